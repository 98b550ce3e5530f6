/** The spellings of one integration name the templates need. */
export interface Names {
  /** `acme_crm`: folder, registry key, URL segment. */
  name: string;
  /** `acmeCrm`: variable. */
  camel: string;
  /** `AcmeCrm`: class prefix. */
  pascal: string;
  /** `Acme Crm`: display name. */
  display: string;
  /** `acme-crm`: host name part. */
  host: string;
  /** `ACME_CRM`: constants and environment variables. */
  upper: string;
}

export const NAME_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

export function namesOf(name: string): Names {
  const words = name.split('_').filter(Boolean);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    name,
    camel: words[0]! + words.slice(1).map(cap).join(''),
    pascal: words.map(cap).join(''),
    display: words.map(cap).join(' '),
    host: words.join('-'),
    upper: name.toUpperCase(),
  };
}
