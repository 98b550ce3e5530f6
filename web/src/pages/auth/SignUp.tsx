import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { signUp } from '../../api/auth.js';
import { api } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { AuthLayout } from './AuthLayout.js';

/** The server's minimum (better-auth `minPasswordLength`); the server re-checks it. */
const MIN_PASSWORD = 10;

/** What the sign-up page says when the installation does not take sign-ups. */
export const SIGN_UP_CLOSED =
  'Sign-up is closed on this Beton installation. Ask a workspace admin for an invitation.';

export function SignUpPage() {
  const navigate = useNavigate();
  const policy = useQuery({ queryKey: ['signup'], queryFn: () => api.get('/api/v1/signup') });
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { name: '', email: '', password: '' },
    validate: {
      name: (v) => (v.trim() ? null : 'Enter your name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address'),
      password: (v) => (v.length >= MIN_PASSWORD ? null : `Use at least ${MIN_PASSWORD} characters`),
    },
  });
  const mutation = useMutation({
    mutationFn: signUp,
    meta: { inlineError: true },
    onSuccess: () => {
      queryClient.clear();
      navigate('/', { replace: true });
    },
  });

  if (policy.data && !policy.data.open) {
    return (
      <AuthLayout title="Create your account">
        <Stack>
          <Alert color="yellow" variant="light" role="alert" title="Sign-up is closed">
            {SIGN_UP_CLOSED} They send you a link; open it to create your account.
          </Alert>
          <Text size="sm" ta="center">
            Already have an account?{' '}
            <Anchor component={Link} to="/sign-in">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Then connect your tools and see which accounts to call today."
    >
      <form
        onSubmit={form.onSubmit((values) => mutation.mutate({ ...values, name: values.name.trim() }))}
        noValidate
      >
        <Stack>
          {mutation.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(mutation.error)}
            </Alert>
          )}
          <TextInput
            label="Name"
            autoComplete="name"
            required
            data-autofocus
            {...form.getInputProps('name')}
          />
          <TextInput
            label="Work email"
            type="email"
            autoComplete="email"
            required
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD} characters`}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={mutation.isPending} fullWidth>
            Create account
          </Button>
          <Text size="sm" ta="center">
            Already have an account?{' '}
            <Anchor component={Link} to="/sign-in">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
