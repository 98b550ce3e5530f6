import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../api/query.js';

export function NewWorkspaceModal({
  opened,
  onClose,
  onCreate,
  pending,
  error,
}: {
  opened: boolean;
  onClose: () => void;
  onCreate: (name: string) => void;
  pending: boolean;
  error: unknown;
}) {
  const [name, setName] = useState('');
  return (
    <Modal opened={opened} onClose={onClose} title="New workspace">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) onCreate(name.trim());
        }}
      >
        <Stack>
          {error ? (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(error)}
            </Alert>
          ) : null}
          <TextInput
            label="Workspace name"
            description="You become its owner. Its integrations, accounts and keys are separate from this one."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={pending} disabled={!name.trim()}>
              Create and switch
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
