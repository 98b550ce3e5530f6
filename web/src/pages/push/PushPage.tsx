import { Button, Tabs } from '@mantine/core';
import { IconCloudUpload } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import type { PushDestination } from '../../api/push.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { useSession } from '../../session.js';
import { HistoryPanel } from './HistoryPanel.js';
import { MappingPanel } from './MappingPanel.js';
import { PlanPanel } from './PlanPanel.js';
import { RejectsPanel } from './RejectsPanel.js';

const TABS = ['plan', 'mapping', 'history', 'rejects'] as const;
type Tab = (typeof TABS)[number];

export function PushPage() {
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.includes(params.get('tab') as Tab) ? (params.get('tab') as Tab) : 'plan';
  const list = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });

  return (
    <QueryState query={list} loadingLabel="Loading…">
      {({ integrations }) => {
        const destinations = integrations.filter((i) => i.roles.includes('destination'));
        const target = destinations.find((d) => d.connection) ?? destinations[0];
        if (!target) {
          return (
            <Empty icon={<IconCloudUpload />} title="No CRM destination is registered">
              This Beton build has no integration that receives scores.
            </Empty>
          );
        }
        const header = (
          <PageHeader
            title="CRM push"
            description={`Write Beton’s scores, grades and top signals onto companies in ${target.displayName} — previewed first, applied under the rate limit, and reversible.`}
          />
        );
        if (!target.connection) {
          return (
            <>
              {header}
              <Empty
                icon={<IconCloudUpload />}
                title={`Connect ${target.displayName} first`}
                action={
                  can('admin') ? (
                    <Button component={Link} to="/integrations">
                      Go to Integrations
                    </Button>
                  ) : undefined
                }
              >
                {can('admin')
                  ? `Beton pushes to ${target.displayName} with an access token. Connect it on the Integrations page.`
                  : `Ask an admin to connect ${target.displayName} on the Integrations page.`}
              </Empty>
            </>
          );
        }
        const destination = target.name as PushDestination;
        return (
          <>
            {header}
            <Tabs
              value={tab}
              onChange={(v) => setParams(v && v !== 'plan' ? { tab: v } : {}, { replace: true })}
              keepMounted={false}
            >
              <Tabs.List mb="md">
                <Tabs.Tab value="plan">Plan and apply</Tabs.Tab>
                <Tabs.Tab value="mapping">Field mapping</Tabs.Tab>
                <Tabs.Tab value="history">History</Tabs.Tab>
                <Tabs.Tab value="rejects">Rejects</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="plan">
                <PlanPanel destination={destination} displayName={target.displayName} />
              </Tabs.Panel>
              <Tabs.Panel value="mapping">
                <MappingPanel destination={destination} />
              </Tabs.Panel>
              <Tabs.Panel value="history">
                <HistoryPanel destination={destination} />
              </Tabs.Panel>
              <Tabs.Panel value="rejects">
                <RejectsPanel destination={destination} />
              </Tabs.Panel>
            </Tabs>
          </>
        );
      }}
    </QueryState>
  );
}
