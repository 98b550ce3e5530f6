import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NAME_PATTERN, type Names, namesOf } from './names.js';
import {
  clientFile,
  definitionFile,
  destinationFile,
  destinationTestFile,
  docFile,
  enrichmentFile,
  enrichmentTestFile,
  mappersFile,
  mappersTestFile,
  type ScaffoldOptions,
  type ScaffoldRole,
  simulatorFile,
  sourceTestFile,
  streamsFile,
  typesFile,
} from './templates.js';

export interface ScaffoldResult {
  names: Names;
  roles: ScaffoldRole[];
  /** Paths written, relative to the project root. */
  files: string[];
}

/** What `beton integration new` may be asked for; everything has a default. */
export interface ScaffoldRequest {
  displayName?: string;
  /** The API's origin (https). */
  baseUrl?: string;
  category?: string;
  roles?: readonly string[];
}

const REGISTRY = 'src/integrations/registry.ts';
const LIST = /export const integrations: readonly AnyIntegration\[\] = \[([^\]]*)\];/;
const LINE_WIDTH = 110;
const CATEGORIES = ['analytics', 'billing', 'enrichment', 'crm', 'other'];
const ROLES: Record<string, ScaffoldRole> = {
  source: 'source',
  enrichment: 'enrichment',
  destination: 'destination',
};

/**
 * Write a new integration into the project at `root`: only its folder `src/integrations/<name>/`
 * (types, client, definition, each role's capability — streams and mappers for a source, lookups
 * for an enrichment, a push destination for a destination — a simulator on the kit, tests that pass,
 * a README setup page) and its line in the registry. Refuses to overwrite anything.
 *
 * @example
 * const { files } = scaffoldIntegration(process.cwd(), 'acme_crm', { roles: ['source', 'enrichment'] });
 */
export function scaffoldIntegration(
  root: string,
  name: string,
  request: ScaffoldRequest = {},
): ScaffoldResult {
  if (!NAME_PATTERN.test(name)) {
    throw new Error(
      `"${name}" is not a valid integration name: use lower case letters, digits and _ (e.g. acme_crm).`,
    );
  }
  const names = namesOf(name);
  // Written into string literals and Markdown: quotes, backslashes and template markers are dropped.
  if (request.displayName)
    names.display = request.displayName.replace(/['\\`$]/g, '').trim() || names.display;
  const options = optionsOf(names, request);
  const registryPath = path.join(root, REGISTRY);
  const registry = fs.readFileSync(registryPath, 'utf8');
  if (new RegExp(`from '\\./${name}/index\\.js'`).test(registry)) {
    throw new Error(`"${name}" is already in ${REGISTRY}.`);
  }
  const folder = `src/integrations/${name}`;
  if (fs.existsSync(path.join(root, folder))) {
    throw new Error(`${folder} already exists; pick another name or remove it.`);
  }
  const source = options.roles.includes('source');
  const enrichment = options.roles.includes('enrichment');
  const destination = options.roles.includes('destination');
  const files: Array<[string, string | false]> = [
    [`${folder}/types.ts`, typesFile(names, options)],
    [`${folder}/client.ts`, clientFile(names, options)],
    [`${folder}/index.ts`, definitionFile(names, options)],
    [`${folder}/streams.ts`, source && streamsFile(names, options)],
    [`${folder}/mappers.ts`, source && mappersFile(names, options)],
    [`${folder}/enrichment.ts`, enrichment && enrichmentFile(names, options)],
    [`${folder}/destination.ts`, destination && destinationFile(names, options)],
    [`${folder}/simulator/index.ts`, simulatorFile(names, options)],
    [`${folder}/${name}.test.ts`, source && sourceTestFile(names, options)],
    [`${folder}/mappers.test.ts`, source && mappersTestFile(names, options)],
    [`${folder}/enrichment.test.ts`, enrichment && enrichmentTestFile(names, options)],
    [`${folder}/destination.test.ts`, destination && destinationTestFile(names, options)],
    [`${folder}/README.md`, docFile(names, options)],
  ];
  const written = files.filter((f): f is [string, string] => f[1] !== false);
  const updatedRegistry = addToRegistry(registry, names);
  for (const [file, content] of written) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content, { flag: 'wx' });
  }
  fs.writeFileSync(registryPath, updatedRegistry);
  formatWithProjectTools(root, [folder, REGISTRY]);
  return { names, roles: [...options.roles], files: [...written.map(([file]) => file), REGISTRY] };
}

/**
 * The templates are written in the project's style for names of usual length; a long name can push
 * a line past the width, so the project's own formatter (Biome's safe fixes) has the last word.
 * Without Biome installed the files are left as written.
 */
function formatWithProjectTools(root: string, paths: string[]): void {
  const biome = path.join(root, 'node_modules', '.bin', 'biome');
  if (!fs.existsSync(biome)) return;
  try {
    execFileSync(biome, ['check', '--write', ...paths], { cwd: root, stdio: 'ignore' });
  } catch {
    // What Biome cannot fix safely is reported by `npx biome check` (the scaffold test runs it).
  }
}

/** Check the flags, with a message that says what is accepted. */
function optionsOf(names: Names, request: ScaffoldRequest): ScaffoldOptions {
  const asked = request.roles?.length ? request.roles : ['source'];
  const roles: ScaffoldRole[] = [];
  for (const raw of asked) {
    const role = ROLES[raw.trim()];
    if (role === undefined) {
      throw new Error(
        `--role "${raw}" is not a role: use source, enrichment, destination (comma-separated).`,
      );
    }
    if (!roles.includes(role)) roles.push(role);
  }
  const category =
    request.category ??
    (roles.includes('destination') ? 'crm' : roles.includes('source') ? 'other' : 'enrichment');
  if (!CATEGORIES.includes(category)) {
    throw new Error(`--category "${category}" is not one of ${CATEGORIES.join(', ')}.`);
  }
  const baseUrl = (request.baseUrl ?? `https://api.${names.host}.com`).replace(/\/+$/, '');
  if (!/^https:\/\/[^\s/'`$\\]+(\/[^\s'`$\\]*)?$/.test(baseUrl)) {
    throw new Error(`--base-url "${baseUrl}" is not an https URL such as https://api.example.com.`);
  }
  const does = [
    roles.includes('source') ? 'companies synced by cursor' : '',
    roles.includes('enrichment') ? 'firmographics by domain' : '',
    roles.includes('destination') ? 'scores pushed onto companies' : '',
  ].filter(Boolean);
  return {
    roles,
    rolesList: roles.map((r) => `'${r}'`).join(', '),
    category,
    baseUrl,
    description: `${names.display.replace(/['\\`$]/g, '')}: ${does.join('; ')}.`,
  };
}

/** The registry with one more import (in sorted place) and one more list entry. */
export function addToRegistry(source: string, names: Names): string {
  const match = LIST.exec(source);
  if (!match) {
    throw new Error(
      `Could not find "export const integrations: readonly AnyIntegration[] = [...]" in ${REGISTRY}.`,
    );
  }
  const entries = match[1]!
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e && !e.startsWith('//'));
  entries.push(names.camel);
  const oneLine = `export const integrations: readonly AnyIntegration[] = [${entries.join(', ')}];`;
  const list =
    oneLine.length <= LINE_WIDTH
      ? oneLine
      : `export const integrations: readonly AnyIntegration[] = [\n${entries.map((e) => `  ${e},\n`).join('')}];`;
  let out = source.slice(0, match.index) + list + source.slice(match.index + match[0].length);

  const importLine = `import ${names.camel} from './${names.name}/index.js';`;
  const lines = out.split('\n');
  const relative = lines
    .map((line, index) => ({ line, index, from: /from '(\.\/[^']+)'/.exec(line)?.[1] }))
    .filter((l) => l.line.startsWith('import ') && l.from);
  const before = relative.find((l) => l.from! > `./${names.name}/index.js`);
  const at = before ? before.index : (relative.at(-1)?.index ?? -1) + 1;
  lines.splice(at, 0, importLine);
  out = lines.join('\n');
  return out;
}
