import { Button, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { IconBookmarkPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { describeFilter } from '../../api/segments.js';
import { ErrorAlert } from '../../components/QueryState.js';
import { useSession } from '../../session.js';

/** "Save as segment": the accounts list's current filter, named and shared with the workspace. Members and up. */
export function SaveSegmentButton({ filter }: { filter: Record<string, string | number> }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.post('/api/v1/segments', { body: { name: name.trim(), description, filter: filter as never } }),
    onSuccess: (segment) => {
      client.invalidateQueries({ queryKey: ['segments'] });
      setOpen(false);
      navigate(`/segments/${segment.id}`);
    },
  });
  if (!can('member')) return null;
  return (
    <>
      <Button variant="default" leftSection={<IconBookmarkPlus size={16} />} onClick={() => setOpen(true)}>
        Save as segment
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Save as segment">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <Text size="sm" c="dimmed">
              Filter: {describeFilter(filter)}. Everyone in the workspace sees the segment; its members are
              re-evaluated after every score run.
            </Text>
            <TextInput
              label="Name"
              required
              data-autofocus
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maxLength={120}
            />
            <Textarea
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              maxLength={2000}
              autosize
              minRows={2}
            />
            {save.isError && <ErrorAlert error={save.error} />}
            <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
              Save segment
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
