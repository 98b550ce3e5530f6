import { type AlertCard, cardText, type OutgoingMessage } from '../capabilities/messaging.js';

/** The `action_id` prefix of the feedback buttons; the verdict follows it. */
export const FEEDBACK_ACTION_PREFIX = 'beton_feedback:';

/** Slack's limits on block text (header 150, section 3,000, button label 75, button value 2,000). */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const LABEL_MAX = 75;
const FIELDS_MAX = 10;

/** Slack's mrkdwn treats &, < and > as control characters: escaped, as its docs ask. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL inside `<url|label>`: the characters that would end the link are percent-encoded. */
const linkUrl = (url: string) => url.replace(/[<>|]/g, (c) => encodeURIComponent(c));
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: clip(text, SECTION_MAX) });
const plain = (text: string, max: number) => ({ type: 'plain_text', text: clip(text, max), emoji: true });

/**
 * A platform card as Slack Block Kit: a header, the subtitle, one section per line, the fields, the
 * links (mrkdwn links in a context block, so opening one is not an interaction), and the feedback
 * buttons whose `value` is the card's `alertRef`. The plain-text form is the notification fallback.
 *
 * @example
 * const { text, blocks } = renderAlertCard({ title: 'Acme: expansion', lines: ['Seats up 40%'],
 *   links: [{ label: 'Open in Beton', url }], actions: [{ verdict: 'useful', label: 'Useful' }], alertRef: 'a1' });
 */
export function renderAlertCard(card: AlertCard): OutgoingMessage {
  const blocks: unknown[] = [{ type: 'header', text: plain(card.title, HEADER_MAX) }];
  if (card.subtitle) blocks.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(card.subtitle))] });
  for (const line of card.lines) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(line)) });
  const fields = (card.fields ?? []).slice(0, FIELDS_MAX);
  if (fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: fields.map((f) => mrkdwn(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`)),
    });
  }
  if (card.links.length > 0) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(card.links.map((l) => `<${linkUrl(l.url)}|${escapeMrkdwn(l.label)}>`).join('  ·  '))],
    });
  }
  if (card.actions && card.actions.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: 'beton_feedback',
      elements: card.actions.map((a) => ({
        type: 'button',
        action_id: `${FEEDBACK_ACTION_PREFIX}${a.verdict}`,
        text: plain(a.label, LABEL_MAX),
        value: card.alertRef,
        ...(a.verdict === 'useful' ? { style: 'primary' } : {}),
      })),
    });
  }
  return { text: cardText(card), blocks };
}
