/**
 * The checks Slack makes on `blocks` before posting (the subset of Block Kit Beton sends, and the
 * limits that apply to it). A failure answers `invalid_blocks` with the reason, as Slack does.
 */

const BLOCK_TYPES = new Set(['header', 'section', 'context', 'actions', 'divider', 'image']);
const MAX_BLOCKS = 50;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(v: unknown, where: string, max: number, plainOnly = false): string | null {
  if (!isObject(v)) return `${where} must be a text object`;
  if (v.type !== 'plain_text' && (plainOnly || v.type !== 'mrkdwn')) {
    return `${where}.type must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`;
  }
  if (typeof v.text !== 'string' || v.text.length === 0) return `${where}.text must be a non-empty string`;
  if (v.text.length > max) return `${where}.text must be at most ${max} characters`;
  return null;
}

function element(e: unknown, where: string, actionIds: Set<string>): string | null {
  if (!isObject(e)) return `${where} must be an object`;
  if (e.type !== 'button') return `${where}.type "${String(e.type)}" is not an element Beton's blocks use`;
  const text = textObject(e.text, `${where}.text`, 75, true);
  if (text) return text;
  if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > 3000))
    return `${where}.url is invalid`;
  if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000)) {
    return `${where}.value must be a string of at most 2000 characters`;
  }
  if (e.action_id !== undefined) {
    if (typeof e.action_id !== 'string' || e.action_id.length > 255) return `${where}.action_id is invalid`;
    if (actionIds.has(e.action_id)) return `${where}.action_id "${e.action_id}" is used twice`;
    actionIds.add(e.action_id);
  }
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
    return `${where}.style is invalid`;
  return null;
}

/** The first problem with `blocks`, or null when Slack would accept them. */
export function blocksProblem(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > MAX_BLOCKS) return `at most ${MAX_BLOCKS} blocks`;
  const actionIds = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const where = `blocks[${i}]`;
    if (!isObject(block)) return `${where} must be an object`;
    if (typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) {
      return `${where}.type "${String(block.type)}" is not a block type`;
    }
    if (block.block_id !== undefined && (typeof block.block_id !== 'string' || block.block_id.length > 255)) {
      return `${where}.block_id is invalid`;
    }
    let problem: string | null = null;
    switch (block.type) {
      case 'header':
        problem = textObject(block.text, `${where}.text`, 150, true);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) return `${where} needs text or fields`;
        if (block.text !== undefined) problem = textObject(block.text, `${where}.text`, 3000);
        if (!problem && block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > 10) {
            return `${where}.fields must hold 1 to 10 text objects`;
          }
          for (const [j, f] of block.fields.entries()) {
            problem = textObject(f, `${where}.fields[${j}]`, 2000);
            if (problem) break;
          }
        }
        break;
      }
      case 'context': {
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) {
          return `${where}.elements must hold 1 to 10 elements`;
        }
        for (const [j, e] of block.elements.entries()) {
          problem = textObject(e, `${where}.elements[${j}]`, 3000);
          if (problem) break;
        }
        break;
      }
      case 'actions': {
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) {
          return `${where}.elements must hold 1 to 25 elements`;
        }
        for (const [j, e] of block.elements.entries()) {
          problem = element(e, `${where}.elements[${j}]`, actionIds);
          if (problem) break;
        }
        break;
      }
    }
    if (problem) return problem;
  }
  return null;
}
