import {
  ActionIcon,
  Alert,
  Button,
  Card,
  CopyButton,
  Group,
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
import { IconCopy, IconLock, IconTrash, IconUserPlus } from '@tabler/icons-react';
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

type Invitation = ResponseOf<'/api/v1/invitations', 'get'>['invitations'][number];

/** The link of an invitation just created: shown once (only its hash is stored), with a copy button. */
function InvitationLink({ url, email, emailSent }: { url: string; email: string; emailSent: boolean }) {
  return (
    <Alert color="green" variant="light" title={`Invitation for ${email}`} role="status">
      <Stack gap="xs">
        <Text size="sm">
          {emailSent
            ? 'We e-mailed them this link. You can also send it yourself; it works once, for 7 days.'
            : 'Send them this link (e-mail is not configured on this server). It works once, for 7 days, and is shown only now.'}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <TextInput aria-label="Invitation link" value={url} readOnly style={{ flex: 1 }} />
          <CopyButton value={url}>
            {({ copied, copy }) => (
              <Button variant="light" leftSection={<IconCopy size={16} />} onClick={copy}>
                {copied ? 'Copied' : 'Copy link'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

function InviteForm({ onDone }: { onDone: () => void }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<{ url: string; email: string; emailSent: boolean } | null>(null);
  const form = useForm({
    initialValues: { email: '', role: 'member' as Role },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) && v.length <= 254 ? null : 'Enter their email address'),
    },
  });
  const invite = useMutation({
    mutationFn: (v: typeof form.values) =>
      api.post('/api/v1/members', { body: { email: v.email.trim(), role: v.role } }),
    meta: { inlineError: true, successMessage: 'Invitation created' },
    onSuccess: (answer) => {
      setCreated({ url: answer.url, email: answer.invitation.email, emailSent: answer.emailSent });
      form.reset();
      queryClient.invalidateQueries({ queryKey: ['invitations'] });
    },
  });

  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit((v) => invite.mutate(v))} noValidate>
        <Stack>
          <Text fw={600}>Invite someone</Text>
          <Text size="sm" c="dimmed">
            They join with their own account: they open the link, then sign in or create their password.
          </Text>
          {invite.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(invite.error)}
            </Alert>
          )}
          {created && <InvitationLink {...created} />}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Email" type="email" required data-autofocus {...form.getInputProps('email')} />
            <Select
              label="Role"
              data={grantableRoles(me.role)}
              allowDeselect={false}
              {...form.getInputProps('role')}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={onDone}>
              {created ? 'Done' : 'Cancel'}
            </Button>
            <Button type="submit" loading={invite.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function PendingInvitations() {
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: ['invitations'], queryFn: () => api.get('/api/v1/invitations') });
  const revoke = useMutation({
    mutationFn: (invitation: Invitation) =>
      api.delete('/api/v1/invitations/{id}', { params: { id: invitation.id } }),
    meta: { successMessage: 'Invitation revoked' },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['invitations'] }),
  });
  const list = invitations.data?.invitations ?? [];
  if (list.length === 0) return null;
  return (
    <Card withBorder p={0}>
      <Text fw={600} p="sm">
        Pending invitations
      </Text>
      <Table verticalSpacing="xs">
        <Table.Tbody>
          {list.map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td>
                <Text size="sm">{i.email}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{i.role}</Text>
              </Table.Td>
              <Table.Td visibleFrom="sm">
                <Text size="xs" c="dimmed">
                  expires {formatDate(i.expiresAt)}
                </Text>
              </Table.Td>
              <Table.Td w={60}>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Revoke the invitation for ${i.email}`}
                  onClick={() => revoke.mutate(i)}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
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
          They lose access to this workspace at once, and the API keys they created here are revoked.
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
              Invite member
            </Button>
          )
        }
      />
      <Stack>
        {adding && <InviteForm onDone={() => setAdding(false)} />}
        <PendingInvitations />
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
