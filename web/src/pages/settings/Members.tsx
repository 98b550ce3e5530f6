import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Collapse,
  Group,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconLock, IconTrash, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatDate } from '../../lib/format.js';
import { type Role, useSession } from '../../session.js';

type Member = ResponseOf<'/api/v1/members', 'get'>['members'][number];

export const ROLE_HELP: Record<Role, string> = {
  owner: 'Owner — everything, including managing owners',
  admin: 'Admin — configures integrations, members and API keys',
  member: 'Member — runs syncs and pushes',
  viewer: 'Viewer — reads everything, changes nothing',
};

/** Roles the caller may hand out: only an owner grants owner. */
export function grantableRoles(myRole: Role): { value: Role; label: string }[] {
  const roles: Role[] =
    myRole === 'owner' ? ['owner', 'admin', 'member', 'viewer'] : ['admin', 'member', 'viewer'];
  return roles.map((r) => ({ value: r, label: ROLE_HELP[r] }));
}

/** Shown instead of a settings page to someone whose role does not allow it. */
export function NeedsRole({ needed, what }: { needed: Role; what: string }) {
  return (
    <Empty icon={<IconLock />} title={`Only an ${needed} can ${what}`}>
      Ask an owner or admin of this workspace to do it, or to change your role.
    </Empty>
  );
}

function AddMemberForm({ onDone }: { onDone: () => void }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [withPassword, setWithPassword] = useState(false);
  const form = useForm({
    initialValues: { email: '', role: 'member' as Role, name: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter their email address'),
      password: (v) => (withPassword && v.length < 10 ? 'At least 10 characters' : null),
    },
  });
  const add = useMutation({
    mutationFn: (v: typeof form.values) =>
      api.post('/api/v1/members', {
        body: {
          email: v.email.trim(),
          role: v.role,
          ...(withPassword
            ? { password: v.password, ...(v.name.trim() ? { name: v.name.trim() } : {}) }
            : {}),
        },
      }),
    meta: { inlineError: true, successMessage: 'Member added' },
    onSuccess: () => {
      form.reset();
      queryClient.invalidateQueries({ queryKey: ['members'] });
      onDone();
    },
  });
  const needsAccount =
    add.error && (add.error as { code?: string }).code === 'user_not_found' && !withPassword;

  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit((v) => add.mutate(v))} noValidate>
        <Stack>
          <Text fw={600}>Add a member</Text>
          {add.isError && (
            <Alert color={needsAccount ? 'yellow' : 'red'} variant="light" role="alert">
              <Stack gap="xs" align="flex-start">
                <Text size="sm">{errorMessage(add.error)}</Text>
                {needsAccount && (
                  <Button size="xs" variant="light" onClick={() => setWithPassword(true)}>
                    Create their account with a first password
                  </Button>
                )}
              </Stack>
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Email" type="email" required data-autofocus {...form.getInputProps('email')} />
            <Select
              label="Role"
              data={grantableRoles(me.role)}
              allowDeselect={false}
              {...form.getInputProps('role')}
            />
          </SimpleGrid>
          <Collapse expanded={withPassword}>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label="Their name" {...form.getInputProps('name')} />
              <PasswordInput
                label="First password"
                description="Share it with them privately; they can sign in with it right away."
                {...form.getInputProps('password')}
              />
            </SimpleGrid>
          </Collapse>
          <Group justify="flex-end">
            <Button variant="default" onClick={onDone}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Add member
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function MemberRow({ member, owners }: { member: Member; owners: number }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['members'] });
  const change = useMutation({
    mutationFn: (role: Role) =>
      api.patch('/api/v1/members/{id}', { params: { id: member.id }, body: { role } }),
    meta: { successMessage: `Role of ${member.email} changed` },
    onSettled: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/api/v1/members/{id}', { params: { id: member.id } }),
    meta: { successMessage: `${member.email} removed` },
    onSuccess: () => setConfirming(false),
    onSettled: invalidate,
  });
  const isSelf = member.userId === me.user.id;
  const lastOwner = member.role === 'owner' && owners <= 1;
  const mayManage = member.role !== 'owner' || me.role === 'owner';
  const roleOptions = grantableRoles(me.role).map((r) => ({ value: r.value, label: r.value }));

  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {member.name}
          {isSelf && (
            <Text span c="dimmed" size="xs">
              {' '}
              (you)
            </Text>
          )}
        </Text>
        <Text size="xs" c="dimmed">
          {member.email}
        </Text>
      </Table.Td>
      <Table.Td>
        {mayManage && !lastOwner ? (
          <Select
            size="xs"
            w={120}
            aria-label={`Role of ${member.email}`}
            data={roleOptions}
            value={member.role}
            allowDeselect={false}
            onChange={(v) => v && v !== member.role && change.mutate(v as Role)}
            disabled={change.isPending}
          />
        ) : (
          <Tooltip
            label={lastOwner ? 'The last owner keeps the owner role' : 'Only an owner changes an owner'}
          >
            <Text size="sm">{member.role}</Text>
          </Tooltip>
        )}
      </Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(member.createdAt)}</Table.Td>
      <Table.Td>
        {mayManage && !lastOwner && (
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove ${member.email}`}
            onClick={() => setConfirming(true)}
          >
            <IconTrash size={16} />
          </ActionIcon>
        )}
        <ConfirmModal
          opened={confirming}
          title={`Remove ${member.email}?`}
          confirmLabel="Remove member"
          onConfirm={() => remove.mutate()}
          onClose={() => setConfirming(false)}
          pending={remove.isPending}
        >
          They lose access to this workspace at once. API keys they created stay until you revoke them.
        </ConfirmModal>
      </Table.Td>
    </Table.Tr>
  );
}

export function MembersPage() {
  const { can } = useSession();
  const [adding, setAdding] = useState(false);
  const members = useQuery({
    queryKey: ['members'],
    queryFn: () => api.get('/api/v1/members'),
    enabled: can('admin'),
  });
  if (!can('admin')) return <NeedsRole needed="admin" what="manage members" />;

  return (
    <>
      <PageHeader
        title="Members"
        description="Who can use this workspace. Viewers read; members run syncs and pushes; admins configure."
        actions={
          !adding && (
            <Button leftSection={<IconUserPlus size={16} />} onClick={() => setAdding(true)}>
              Add member
            </Button>
          )
        }
      />
      <Stack>
        {adding && <AddMemberForm onDone={() => setAdding(false)} />}
        <QueryState query={members} loadingLabel="Loading members…">
          {({ members: list }) => (
            <Card withBorder p={0}>
              <Table.ScrollContainer minWidth={480}>
                <Table verticalSpacing="sm" highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Person</Table.Th>
                      <Table.Th>Role</Table.Th>
                      <Table.Th visibleFrom="sm">Joined</Table.Th>
                      <Table.Th w={60}>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.map((m) => (
                      <MemberRow
                        key={m.id}
                        member={m}
                        owners={list.filter((x) => x.role === 'owner').length}
                      />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          )}
        </QueryState>
      </Stack>
    </>
  );
}
