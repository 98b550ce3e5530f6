import { Badge, Group, Progress, Text, Tooltip } from '@mantine/core';
import { humanize } from '../lib/format.js';

/** Grade colours run from strongest (M100) to weakest (M10). */
const GRADE_COLOR: Record<string, string> = {
  M100: 'teal',
  M75: 'green',
  M50: 'yellow',
  M25: 'orange',
  M10: 'gray',
};

export const GRADES = ['M100', 'M75', 'M50', 'M25', 'M10'] as const;

export function gradeColor(grade: string | null | undefined): string {
  return (grade && GRADE_COLOR[grade]) || 'gray';
}

export function GradeBadge({ grade }: { grade: string | null | undefined }) {
  if (!grade) {
    return (
      <Badge variant="outline" color="gray" title="Not scored yet">
        —
      </Badge>
    );
  }
  return (
    <Badge
      variant="filled"
      color={gradeColor(grade)}
      aria-label={`Grade ${grade}`}
      miw={52}
      style={{ flexShrink: 0, overflow: 'visible' }}
    >
      {grade}
    </Badge>
  );
}

const STATUS_COLOR: Record<string, string> = {
  connected: 'teal',
  succeeded: 'teal',
  success: 'teal',
  healthy: 'teal',
  ok: 'teal',
  applied: 'teal',
  written: 'teal',
  skipped: 'gray',
  rejected: 'red',
  capped: 'yellow',
  running: 'blue',
  queued: 'blue',
  pending: 'blue',
  planned: 'blue',
  partial: 'yellow',
  degraded: 'yellow',
  warning: 'yellow',
  cancelled: 'gray',
  canceled: 'gray',
  rolled_back: 'grape',
  not_connected: 'gray',
  disconnected: 'gray',
  failed: 'red',
  error: 'red',
  invalid: 'red',
  unhealthy: 'red',
};

/** A status word in a colour that says good / busy / partial / bad. */
export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' }) {
  return (
    <Badge size={size} variant="light" color={STATUS_COLOR[status] ?? 'gray'} style={{ flexShrink: 0 }}>
      {humanize(status)}
    </Badge>
  );
}

/** A 0–100 score as a labelled bar; `inverse` for scores where high is bad (churn risk). */
export function ScoreBar({
  label,
  value,
  inverse = false,
  showLabel = true,
  width,
}: {
  label: string;
  value: number | null | undefined;
  inverse?: boolean;
  showLabel?: boolean;
  width?: number | string;
}) {
  const v = value == null ? null : Math.max(0, Math.min(100, Math.round(value)));
  const good = v == null ? 0 : inverse ? 100 - v : v;
  const color = v == null ? 'gray' : good >= 60 ? 'teal' : good >= 40 ? 'yellow' : 'red';
  return (
    <Tooltip label={`${label}: ${v ?? 'not scored'}`} withArrow openDelay={300}>
      <Group gap={6} wrap="nowrap" w={width}>
        {showLabel && (
          <Text size="xs" c="dimmed" w={70} style={{ flexShrink: 0 }}>
            {label}
          </Text>
        )}
        <Progress
          value={v ?? 0}
          color={color}
          size="sm"
          style={{ flex: 1, minWidth: 40 }}
          aria-label={label}
          aria-valuenow={v ?? 0}
        />
        <Text size="xs" w={24} ta="right" fw={500} style={{ flexShrink: 0 }}>
          {v ?? '—'}
        </Text>
      </Group>
    </Tooltip>
  );
}

/** A score in a table cell: the number over a thin bar, coloured good / middling / bad. */
export function ScoreCell({
  label,
  value,
  inverse = false,
  unknownHint,
}: {
  label: string;
  value: number | null | undefined;
  inverse?: boolean;
  /** Why the score may be missing and what to do, shown on hover when it is. */
  unknownHint?: string;
}) {
  const v = value == null ? null : Math.max(0, Math.min(100, Math.round(value)));
  const good = v == null ? 0 : inverse ? 100 - v : v;
  const color = v == null ? 'gray' : good >= 60 ? 'teal' : good >= 40 ? 'yellow' : 'red';
  return (
    <Tooltip
      label={v == null && unknownHint ? `${label} unknown: ${unknownHint}` : `${label}: ${v ?? 'unknown'}`}
      withArrow
      openDelay={300}
      multiline
      maw={300}
    >
      <div style={{ minWidth: 56 }}>
        <Text size="sm" fw={500} c={v == null ? 'dimmed' : undefined}>
          {v ?? '—'}
        </Text>
        <Progress value={v ?? 0} color={color} size={4} aria-label={`${label} ${v ?? 'unknown'} of 100`} />
      </div>
    </Tooltip>
  );
}
