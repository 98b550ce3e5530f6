/**
 * Job titles → seniority and department, by whole-word keywords. Titles arrive free-form from
 * people facts (product analytics or enrichment); a rule list beats a model here because every answer can be
 * explained ("'VP Sales' → vp, sales").
 */
export type Seniority = 'c_level' | 'vp' | 'director' | 'manager' | 'individual';
export const SENIORITIES = ['c_level', 'vp', 'director', 'manager', 'individual'] as const;

const words = (title: string) =>
  ` ${title
    .toLowerCase()
    .replace(/[^a-z0-9&]+/g, ' ')
    .trim()} `;
const has = (w: string, ...keys: string[]) => keys.some((k) => w.includes(` ${k} `));

/**
 * @example seniorityOf('Chief Revenue Officer') // 'c_level'
 * @example seniorityOf('Head of Growth') // 'director'
 */
export function seniorityOf(title: string | null): Seniority | null {
  if (!title) return null;
  const known = seniorityCache.get(title);
  if (known !== undefined) return known;
  const result = classifySeniority(title);
  if (seniorityCache.size > 50_000) seniorityCache.clear();
  seniorityCache.set(title, result);
  return result;
}

// Titles repeat across people and replays: classify each distinct title once.
const seniorityCache = new Map<string, Seniority>();
const departmentCache = new Map<string, string | null>();

function classifySeniority(title: string): Seniority {
  const w = words(title);
  if (
    has(
      w,
      'ceo',
      'cto',
      'cfo',
      'coo',
      'cmo',
      'cro',
      'cio',
      'cpo',
      'ciso',
      'chief',
      'founder',
      'cofounder',
      'co founder',
      'owner',
      'president',
      'managing director',
    )
  ) {
    if (!has(w, 'vice president', 'vp')) return 'c_level';
  }
  if (has(w, 'vp', 'svp', 'evp', 'vice president')) return 'vp';
  if (has(w, 'director', 'head')) return 'director';
  if (has(w, 'manager', 'lead', 'principal')) return 'manager';
  return 'individual';
}

const DEPARTMENT_KEYWORDS: [string, string[]][] = [
  ['executive', ['ceo', 'founder', 'cofounder', 'co founder', 'owner', 'president', 'managing director']],
  [
    'engineering',
    [
      'engineer',
      'engineering',
      'developer',
      'cto',
      'devops',
      'sre',
      'software',
      'architect',
      'data',
      'it',
      'security',
      'ciso',
      'cio',
    ],
  ],
  ['product', ['product', 'cpo', 'designer', 'design', 'ux', 'ui', 'research']],
  [
    'sales',
    [
      'sales',
      'account executive',
      'ae',
      'sdr',
      'bdr',
      'cro',
      'revenue',
      'business development',
      'partnerships',
    ],
  ],
  ['marketing', ['marketing', 'cmo', 'growth', 'content', 'brand', 'seo', 'demand', 'communications']],
  ['customer_success', ['success', 'support', 'customer', 'service', 'onboarding', 'implementation']],
  [
    'finance',
    ['finance', 'financial', 'cfo', 'accountant', 'accounting', 'controller', 'treasury', 'procurement'],
  ],
  ['operations', ['operations', 'ops', 'coo', 'logistics', 'supply']],
  ['people', ['hr', 'people', 'talent', 'recruiter', 'recruiting', 'human resources']],
  ['legal', ['legal', 'counsel', 'compliance', 'lawyer', 'attorney']],
];

/**
 * The department a person belongs to: their explicit department when the source has one, else
 * inferred from the title. Null when neither says.
 *
 * @example departmentOf(null, 'Senior Software Engineer') // 'engineering'
 */
export function departmentOf(department: string | null, title: string | null): string | null {
  if (department?.trim())
    return department
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
  if (!title) return null;
  let known = departmentCache.get(title);
  if (known === undefined) {
    const w = words(title);
    known = DEPARTMENT_KEYWORDS.find(([, keys]) => has(w, ...keys))?.[0] ?? null;
    if (departmentCache.size > 50_000) departmentCache.clear();
    departmentCache.set(title, known);
  }
  return known;
}
