/** A person seen at a company, as of the source's last sync. */
export interface PersonFact {
  id: string;
  email: string | null;
  name: string | null;
  title: string | null;
  department: string | null;
  /** First seen. */
  createdAt: string | null;
  lastSeenAt: string | null;
}
