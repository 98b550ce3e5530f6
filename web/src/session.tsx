/**
 * Who is signed in, in which workspace, with which role — from `GET /api/v1/me` — and the gate that
 * sends a signed-out visitor to sign-in and a person without a workspace to create one.
 *
 * @example
 * const { me, can } = useSession();
 * if (can('admin')) showConfigureButton();
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { signOut as authSignOut, setActiveWorkspace } from './api/auth.js';
import { api, isUnauthenticated, type ResponseOf } from './api/client.js';
import { ErrorAlert, Loading } from './components/QueryState.js';
import { CreateWorkspacePage } from './pages/auth/CreateWorkspace.js';

type MeAnswer = ResponseOf<'/api/v1/me', 'get'>;
export type Role = NonNullable<MeAnswer['role']>;

/** The signed-in person with a workspace (the only state in which the app shell renders). */
export interface Me {
  user: NonNullable<MeAnswer['user']>;
  workspace: NonNullable<MeAnswer['workspace']>;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

interface Session {
  me: Me;
  /** Whether the caller's role is at least `role` (viewer reads, member operates, admin configures). */
  can: (role: Role) => boolean;
  signOut: () => Promise<void>;
  switchWorkspace: (workspaceId: string) => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() must be used inside <SessionGate>.');
  return session;
}

export const meQueryKey = ['me'] as const;

export function useMeQuery() {
  return useQuery({ queryKey: meQueryKey, queryFn: () => api.get('/api/v1/me'), staleTime: 60_000 });
}

/** Renders its children only for a signed-in person with a workspace. */
export function SessionGate({ children }: { children: ReactNode }) {
  const query = useMeQuery();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();

  const signOut = useCallback(async () => {
    await authSignOut().catch(() => undefined);
    queryClient.clear();
    navigate('/sign-in', { replace: true });
  }, [navigate, queryClient]);

  const switchWorkspace = useCallback(
    async (workspaceId: string) => {
      await setActiveWorkspace(workspaceId);
      // Every cached answer belonged to the previous workspace.
      queryClient.clear();
      navigate('/', { replace: true });
    },
    [navigate, queryClient],
  );

  const data = query.data;
  const session = useMemo<Session | null>(() => {
    if (!data?.user || !data.workspace || !data.role) return null;
    const me: Me = { user: data.user, workspace: data.workspace, role: data.role };
    return { me, can: (role) => RANK[me.role] >= RANK[role], signOut, switchWorkspace };
  }, [data, signOut, switchWorkspace]);

  if (query.isPending) return <Loading label="Opening Beton…" />;
  if (query.isError) {
    if (isUnauthenticated(query.error)) {
      return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
    }
    return <ErrorAlert error={query.error} onRetry={() => query.refetch()} title="Could not open Beton" />;
  }
  if (!session) return <CreateWorkspacePage onSignOut={signOut} />;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
