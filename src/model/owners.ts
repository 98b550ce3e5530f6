/**
 * Who owns a company: the person a CRM assigned it to. Alerts go to them by direct message, digests
 * can be scoped to them, and accounts are filtered by them. The e-mail is the identity (lower-cased):
 * it is what a messaging service finds the person by, and what two CRMs agree on.
 */
export interface OwnerFact {
  email: string;
  name: string | null;
}
