import { Badge, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.js';

/**
 * A red mark beside Settings → Webhooks while Beton has disabled an endpoint after repeated
 * failure, so the notice is seen from every page, not only on the webhooks page. Shares the
 * webhooks page's query (and its cache).
 */
export function WebhooksNavAlert() {
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => api.get('/api/v1/webhook-endpoints'),
    refetchInterval: 5 * 60_000,
  });
  const disabled = endpoints.data?.items.filter((e) => e.disabledReason).length ?? 0;
  if (disabled === 0) return null;
  const label = `${disabled} endpoint${disabled === 1 ? '' : 's'} disabled after repeated failure`;
  return (
    <Tooltip label={label}>
      <Badge color="red" size="xs" circle aria-label={label} data-testid="webhooks-nav-alert">
        !
      </Badge>
    </Tooltip>
  );
}
