/** The portal's mails, French first then English, plain text (links are the whole point of most of them). */
import type { Mail } from './mailer.ts';

const SIGNATURE = `\n--\nPasserelle — environnement de qualification / qualification environment\nCe courriel est envoyé automatiquement, merci de ne pas y répondre.\n`;

export function activationMail(to: string, link: string, hours: number): Mail {
  return {
    kind: 'activation',
    to,
    link,
    subject: 'Activation de votre compte / Activate your account',
    text:
      `Bonjour,\n\nVotre compte sur le portail de qualification a été créé. Pour l'activer, ouvrez ce lien ` +
      `(valable ${hours} heures) :\n\n${link}\n\nVous y choisirez votre mot de passe et votre question secrète.\n\n` +
      `Hello,\n\nYour account was created. Activate it from the link above (valid ${hours} hours).\n` +
      SIGNATURE,
  };
}

export function resetMail(to: string, link: string, hours: number): Mail {
  return {
    kind: 'reset',
    to,
    link,
    subject: 'Réinitialisation de votre mot de passe / Password reset',
    text:
      `Bonjour,\n\nUne réinitialisation du mot de passe de votre compte a été demandée. Ouvrez ce lien ` +
      `(valable ${hours} heures) ; votre question secrète vous sera posée :\n\n${link}\n\n` +
      `Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel.\n\n` +
      `Hello,\n\nOpen the link above (valid ${hours} hours) to reset your password; your secret question will be asked. ` +
      `If you did not ask for it, ignore this e-mail.\n` +
      SIGNATURE,
  };
}

export function matelasReadyMail(to: string, link: string, fileName: string): Mail {
  return {
    kind: 'matelas',
    to,
    subject: 'Votre matelas de données est prêt / Your test data set is ready',
    text:
      `Bonjour,\n\nVotre matelas de données est généré : ${fileName}.\nTéléchargez-le depuis Mon compte : ${link}\n\n` +
      `Hello,\n\nYour test data set (matelas de données) is ready; download it from "Mon compte" (link above).\n` +
      SIGNATURE,
  };
}

export function raccordementReceivedMail(to: string, r: { id: number; siret: string; mode: string }): Mail {
  return {
    kind: 'raccordement-recu',
    to,
    subject: `Demande de raccordement n° ${r.id} reçue / Connection request received`,
    text:
      `Bonjour,\n\nLa demande de raccordement n° ${r.id} (mode ${r.mode}) de la structure ${r.siret} a été reçue. ` +
      `Elle sera étudiée et vous recevrez un courriel à sa validation ou à son refus.\n\n` +
      `Hello,\n\nConnection request ${r.id} (${r.mode}) for structure ${r.siret} was received; you will be mailed when it is approved or refused.\n` +
      SIGNATURE,
  };
}

interface ConnectionDetails {
  mode: string;
  login: string;
  sftpHost: string;
  sftpPort: number | null;
  fingerprints: string[];
  apiUrl: string;
  returnSyntax: string;
  credential: 'clé publique' | 'mot de passe';
}

export function raccordementApprovedMail(to: string, r: { id: number; siret: string }, d: ConnectionDetails): Mail {
  const access =
    d.mode === 'SFTP'
      ? `Serveur SFTP : ${d.sftpHost}\nPort : ${d.sftpPort ?? '(SFTP désactivé)'}\nIdentifiant : ${d.login}\n` +
        `Authentification : la ${d.credential} fournie avec la demande\n` +
        `Empreintes de la clé d'hôte / host key fingerprints :\n${d.fingerprints.map((f) => `  ${f}`).join('\n')}\n` +
        `Déposez vos flux dans le dossier depot/ (ou analyse/) ; les comptes-rendus arrivent dans retour/.\n`
      : `Adresse de l'API : ${d.apiUrl}\nIdentifiant : ${d.login}\n` +
        `Authentification : en-tête cpro-account = base64(${d.login}:<le mot de passe fourni avec la demande>)\n`;
  return {
    kind: 'raccordement-valide',
    to,
    subject: `Raccordement n° ${r.id} validé / Connection approved`,
    text:
      `Bonjour,\n\nLa demande de raccordement n° ${r.id} de la structure ${r.siret} est validée. Informations de connexion :\n\n` +
      `${access}Syntaxe du flux retour : ${d.returnSyntax}\n\n` +
      `Hello,\n\nConnection request ${r.id} is approved; the connection details are above.\n` +
      SIGNATURE,
  };
}

export function raccordementRefusedMail(to: string, r: { id: number; siret: string }, comment: string | null): Mail {
  return {
    kind: 'raccordement-refuse',
    to,
    subject: `Raccordement n° ${r.id} refusé / Connection refused`,
    text:
      `Bonjour,\n\nLa demande de raccordement n° ${r.id} de la structure ${r.siret} est refusée.` +
      `${comment ? `\nMotif : ${comment}` : ''}\n\nHello,\n\nConnection request ${r.id} was refused.` +
      `${comment ? ` Reason: ${comment}` : ''}\n` +
      SIGNATURE,
  };
}
