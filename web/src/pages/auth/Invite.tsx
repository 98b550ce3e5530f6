import { Alert, Anchor, Button, Loader, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { setActiveWorkspace, signIn } from '../../api/auth.js';
import { api } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { AuthLayout } from './AuthLayout.js';

/** The server's minimum (better-auth `minPasswordLength`); the server re-checks it. */
const MIN_PASSWORD = 10;

/**
 * `/invite#<token>`: the page an invitation link opens. The token sits in the fragment, which the
 * browser never sends to the server. Someone with an account signs in as the invited e-mail; a
 * new person creates that account with their own password. Either way they then join.
 */
export function InvitePage() {
  const token = window.location.hash.slice(1);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const lookup = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.post('/api/v1/invitations/lookup', { body: { token } }),
    enabled: token.length > 0,
    retry: false,
  });
  const form = useForm({
    initialValues: { name: '', password: '' },
    validate: {
      password: (v) =>
        lookup.data?.invitation.hasAccount
          ? v
            ? null
            : 'Enter your password'
          : v.length >= MIN_PASSWORD
            ? null
            : `Use at least ${MIN_PASSWORD} characters`,
    },
  });
  const accept = useMutation({
    mutationFn: async (values: typeof form.values) => {
      const invitation = lookup.data!.invitation;
      if (invitation.hasAccount) {
        await signIn({ email: invitation.email, password: values.password });
        return api.post('/api/v1/invitations/accept', { body: { token } });
      }
      return api.post('/api/v1/invitations/accept', {
        body: {
          token,
          password: values.password,
          ...(values.name.trim() ? { name: values.name.trim() } : {}),
        },
      });
    },
    meta: { inlineError: true },
    onSuccess: async (answer) => {
      await setActiveWorkspace(answer.workspace.id);
      queryClient.clear();
      window.history.replaceState(null, '', '/invite');
      navigate('/', { replace: true });
    },
  });

  if (!token || lookup.isError) {
    return (
      <AuthLayout title="Invitation">
        <Stack>
          <Alert color="red" variant="light" role="alert">
            {token
              ? errorMessage(lookup.error)
              : 'This link has no invitation in it. Open the whole link you were sent, or ask a workspace admin for a new one.'}
          </Alert>
          <Anchor component={Link} to="/sign-in" ta="center" size="sm">
            Go to sign in
          </Anchor>
        </Stack>
      </AuthLayout>
    );
  }
  if (!lookup.data) {
    return (
      <AuthLayout title="Invitation">
        <Loader aria-label="Loading the invitation" mx="auto" />
      </AuthLayout>
    );
  }
  const invitation = lookup.data.invitation;
  return (
    <AuthLayout
      title={`Join ${invitation.workspace.name}`}
      subtitle={`You are invited as ${invitation.role}, as ${invitation.email}.`}
    >
      <form onSubmit={form.onSubmit((values) => accept.mutate(values))} noValidate>
        <Stack>
          {accept.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(accept.error)}
            </Alert>
          )}
          <TextInput label="Email" value={invitation.email} readOnly />
          {!invitation.hasAccount && (
            <TextInput label="Name" autoComplete="name" {...form.getInputProps('name')} />
          )}
          <PasswordInput
            label="Password"
            description={
              invitation.hasAccount
                ? 'Sign in with your Beton password'
                : `Choose one: at least ${MIN_PASSWORD} characters`
            }
            autoComplete={invitation.hasAccount ? 'current-password' : 'new-password'}
            required
            data-autofocus
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={accept.isPending} fullWidth>
            {invitation.hasAccount ? 'Sign in and join' : 'Create account and join'}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
