import { Button, Menu, Text } from '@mantine/core';
import { IconCheck, IconPlus, IconSelector } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { setActiveWorkspace } from '../api/auth.js';
import { api } from '../api/client.js';
import { useSession } from '../session.js';
import { NewWorkspaceModal } from './NewWorkspaceModal.js';

/** The current workspace's name; a menu to switch to another of the person's workspaces or create one. */
export function WorkspaceSwitcher() {
  const { me, switchWorkspace } = useSession();
  const [creating, setCreating] = useState(false);
  const queryClient = useQueryClient();
  const workspaces = useQuery({ queryKey: ['workspaces'], queryFn: () => api.get('/api/v1/workspaces') });
  const switchTo = useMutation({ mutationFn: switchWorkspace });
  const create = useMutation({
    mutationFn: async (name: string) => {
      const { workspace } = await api.post('/api/v1/workspaces', { body: { name } });
      await setActiveWorkspace(workspace.id);
    },
    meta: { inlineError: true },
    onSuccess: () => {
      setCreating(false);
      queryClient.clear();
    },
  });

  return (
    <>
      <Menu position="bottom-start" width={260} withinPortal>
        <Menu.Target>
          <Button
            variant="default"
            size="xs"
            rightSection={<IconSelector size={14} />}
            aria-label={`Workspace: ${me.workspace.name}. Switch workspace`}
            maw={220}
            loading={switchTo.isPending}
          >
            <Text size="sm" truncate>
              {me.workspace.name}
            </Text>
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Workspaces</Menu.Label>
          {(workspaces.data?.workspaces ?? [me.workspace]).map((w) => (
            <Menu.Item
              key={w.id}
              onClick={() => w.id !== me.workspace.id && switchTo.mutate(w.id)}
              rightSection={w.id === me.workspace.id ? <IconCheck size={14} /> : null}
              aria-current={w.id === me.workspace.id ? 'true' : undefined}
            >
              {w.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
            New workspace
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <NewWorkspaceModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreate={(name) => create.mutate(name)}
        pending={create.isPending}
        error={create.error}
      />
    </>
  );
}
