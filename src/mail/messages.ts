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
