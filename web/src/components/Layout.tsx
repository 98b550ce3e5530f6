import {
  Anchor,
  AppShell,
  Avatar,
  Badge,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  ThemeIcon,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconAdjustments,
  IconBell,
  IconBuildingFactory2,
  IconChevronDown,
  IconCloudUpload,
  IconFilter,
  IconHome,
  IconKey,
  IconLogout,
  IconPlugConnected,
  IconRefresh,
  IconSparkles,
  IconUsers,
  IconUsersGroup,
  IconWebhook,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../session.js';
import { WebhooksNavAlert } from './WebhooksNavAlert.js';
import { WorkspaceSwitcher } from './WorkspaceSwitcher.js';

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  /** A mark at the right of the link (e.g. a notice that needs attention). */
  rightSection?: ReactNode;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Home', icon: <IconHome size={18} /> },
  { to: '/integrations', label: 'Integrations', icon: <IconPlugConnected size={18} /> },
  { to: '/sync-runs', label: 'Sync runs', icon: <IconRefresh size={18} /> },
  { to: '/accounts', label: 'Accounts', icon: <IconUsersGroup size={18} /> },
  { to: '/segments', label: 'Segments', icon: <IconFilter size={18} /> },
  { to: '/signals', label: 'Signals', icon: <IconSparkles size={18} /> },
  { to: '/alerts', label: 'Alerts', icon: <IconBell size={18} /> },
  { to: '/push', label: 'CRM push', icon: <IconCloudUpload size={18} /> },
];

const SETTINGS: NavItem[] = [
  { to: '/settings/members', label: 'Members', icon: <IconUsers size={18} /> },
  { to: '/settings/api-keys', label: 'API keys', icon: <IconKey size={18} /> },
  { to: '/settings/scoring', label: 'Scoring', icon: <IconAdjustments size={18} /> },
  {
    to: '/settings/webhooks',
    label: 'Webhooks',
    icon: <IconWebhook size={18} />,
    rightSection: <WebhooksNavAlert />,
  },
];

function isActive(pathname: string, to: string) {
  return to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`);
}

/** The signed-in frame: header (brand, workspace, user), navigation, and the page. */
export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const { me, signOut, can } = useSession();

  const link = (item: NavItem) => (
    <NavLink
      key={item.to}
      component={Link}
      to={item.to}
      label={item.label}
      leftSection={item.icon}
      rightSection={item.rightSection}
      active={isActive(pathname, item.to)}
      aria-current={isActive(pathname, item.to) ? 'page' : undefined}
      onClick={close}
    />
  );

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <Anchor href="#main" className="skip-link">
        Skip to content
      </Anchor>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <UnstyledButton component={Link} to="/" aria-label="Beton home">
              <Group gap={8} wrap="nowrap">
                <ThemeIcon size="md" radius="md" aria-hidden>
                  <IconBuildingFactory2 size={18} />
                </ThemeIcon>
                <Text fw={700} visibleFrom="xs">
                  Beton
                </Text>
              </Group>
            </UnstyledButton>
            <WorkspaceSwitcher />
          </Group>
          <Menu position="bottom-end" width={240} withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" style={{ borderRadius: 8 }} p={4}>
                <Group gap={8} wrap="nowrap">
                  <Avatar size="sm" color="indigo" name={me.user.name || me.user.email} />
                  <Text size="sm" visibleFrom="md" maw={180} truncate>
                    {me.user.name || me.user.email}
                  </Text>
                  <IconChevronDown size={14} />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                <Text size="xs" truncate>
                  {me.user.email}
                </Text>
                <Badge size="xs" variant="light" mt={4}>
                  {me.role}
                </Badge>
              </Menu.Label>
              <Menu.Divider />
              <Menu.Item leftSection={<IconLogout size={16} />} onClick={signOut}>
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          {NAV.map(link)}
          {can('admin') && (
            <>
              <Text size="xs" fw={600} c="dimmed" tt="uppercase" mt="lg" mb={4} px="sm">
                Settings
              </Text>
              {SETTINGS.map(link)}
            </>
          )}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
