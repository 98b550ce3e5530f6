import { Badge, Tooltip } from '@mantine/core';
import { DIRECTION_COLOR } from '../api/accounts.js';

/** A signal as a small coloured chip; the tooltip says which way it points and how much it weighs. */
export function SignalChip({
  title,
  direction,
  share,
}: {
  title: string;
  direction: string | null;
  share?: number;
}) {
  const label = `${direction === 'churn' ? 'Churn risk' : direction === 'expansion' ? 'Expansion' : 'Timing'} signal${share != null ? ` · ${Math.round(share)}% of its score` : ''}`;
  return (
    <Tooltip label={label} withArrow openDelay={200}>
      <Badge
        size="sm"
        variant="light"
        radius="sm"
        color={DIRECTION_COLOR[direction ?? ''] ?? 'gray'}
        tt="none"
        fw={500}
        maw={200}
      >
        {title}
      </Badge>
    </Tooltip>
  );
}
