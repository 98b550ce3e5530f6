import { Button, Menu } from '@mantine/core';
import { IconChevronDown, IconRefresh } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { useSession } from '../../session.js';

/** "Sync now" for any connected source; opens the new run's live page. Hidden from viewers. */
export function SyncNowMenu() {
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: integrationKeys.all,
    queryFn: integrationApi.list,
    enabled: can('member'),
  });
  const sync = useMutation({
    mutationFn: (name: string) => integrationApi.sync(name),
    onSuccess: ({ runId }) => {
      queryClient.invalidateQueries({ queryKey: ['sync-runs'] });
      navigate(`/sync-runs/${runId}`);
    },
  });
  if (!can('member')) return null;
  const sources = (list.data?.integrations ?? []).filter((i) => i.connection && i.streams.length > 0);

  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          leftSection={<IconRefresh size={16} />}
          rightSection={<IconChevronDown size={14} />}
          loading={sync.isPending}
          disabled={list.isSuccess && sources.length === 0}
          title={list.isSuccess && sources.length === 0 ? 'Connect an integration first' : undefined}
        >
          Sync now
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Sync one source</Menu.Label>
        {sources.map((s) => (
          <Menu.Item key={s.name} onClick={() => sync.mutate(s.name)}>
            {s.displayName}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
