/** Records the store hands to the layers above. */

export type ReturnSyntax = 'CPPStatut' | 'AIFEStatut';

/** A partner account as transports need it (SFTP login, mailbox, return syntax, signature policy). */
export interface PartnerAccount {
  code: string;
  name: string;
  active: boolean;
  returnSyntax: ReturnSyntax;
  /** scrypt hash (see src/gateway/sftp/password.ts), never the clear password. */
  sftpPasswordHash?: string;
  /** OpenSSH authorized_keys lines. */
  sftpAuthorizedKeys: string[];
  /** Does this partner sign its flows? */
  signed: boolean;
}

/** Read/write access to partner accounts, implemented by the store. */
export interface PartnerAccounts {
  getPartner(code: string): Promise<PartnerAccount | undefined>;
  listPartners(): Promise<PartnerAccount[]>;
  setSftpPassword(code: string, hash: string): Promise<void>;
  addSftpKey(code: string, authorizedKeyLine: string): Promise<void>;
}
