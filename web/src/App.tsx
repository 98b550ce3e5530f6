import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router-dom';
import { createQueryClient } from './api/query.js';
import { Layout } from './components/Layout.js';
import { AccountPage } from './pages/accounts/AccountPage.js';
import { AccountsPage } from './pages/accounts/AccountsPage.js';
import { AlertsPage } from './pages/alerts/AlertsPage.js';
import { InvitePage } from './pages/auth/Invite.js';
import { SignInPage } from './pages/auth/SignIn.js';
import { SignUpPage } from './pages/auth/SignUp.js';
import { HomePage } from './pages/home/HomePage.js';
import { IntegrationsPage } from './pages/integrations/IntegrationsPage.js';
import { NotFoundPage } from './pages/NotFound.js';
import { PushPage } from './pages/push/PushPage.js';
import { PushRunPage } from './pages/push/PushRunPage.js';
import { SegmentPage } from './pages/segments/SegmentPage.js';
import { SegmentsPage } from './pages/segments/SegmentsPage.js';
import { ApiKeysPage } from './pages/settings/ApiKeys.js';
import { MembersPage } from './pages/settings/Members.js';
import { ScoringSettingsPage } from './pages/settings/Scoring.js';
import { WebhooksPage } from './pages/settings/Webhooks.js';
import { SignalsPage } from './pages/signals/SignalsPage.js';
import { SyncRunPage } from './pages/sync/SyncRunPage.js';
import { SyncRunsPage } from './pages/sync/SyncRunsPage.js';
import { SessionGate } from './session.js';
import { theme } from './theme.js';

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/sign-up', element: <SignUpPage /> },
  { path: '/invite', element: <InvitePage /> },
  {
    element: (
      <SessionGate>
        <Layout />
      </SessionGate>
    ),
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/integrations', element: <IntegrationsPage /> },
      { path: '/sync-runs', element: <SyncRunsPage /> },
      { path: '/sync-runs/:id', element: <SyncRunPage /> },
      { path: '/accounts', element: <AccountsPage /> },
      { path: '/accounts/:id', element: <AccountPage /> },
      { path: '/segments', element: <SegmentsPage /> },
      { path: '/segments/:id', element: <SegmentPage /> },
      { path: '/signals', element: <SignalsPage /> },
      { path: '/alerts', element: <AlertsPage /> },
      { path: '/push', element: <PushPage /> },
      { path: '/push/runs/:id', element: <PushRunPage /> },
      { path: '/settings', element: <Navigate to="/settings/members" replace /> },
      { path: '/settings/members', element: <MembersPage /> },
      { path: '/settings/api-keys', element: <ApiKeysPage /> },
      { path: '/settings/scoring', element: <ScoringSettingsPage /> },
      { path: '/settings/webhooks', element: <WebhooksPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

/** Providers (theme, notifications, data cache) around the router. */
export function App() {
  // A 401 from any query means the session ended: start over at sign-in.
  const [queryClient] = useState(() =>
    createQueryClient(() => {
      if (!window.location.pathname.startsWith('/sign-') && window.location.pathname !== '/invite') {
        router.navigate('/sign-in', { state: { from: window.location.pathname } });
      }
    }),
  );
  return (
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
