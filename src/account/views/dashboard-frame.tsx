import { Alert } from './fields.js';
import type { ComponentChildren } from 'preact';
import type { Dashboard } from '../dashboard-context.js';
import { Layout } from './layout.js';

/** The dashboard's sections, in the order of the navigation. */
export const SECTIONS = [
  { key: 'record', path: '/account', label: 'My record' },
  { key: 'share', path: '/account/share', label: 'Share' },
  { key: 'shares', path: '/account/shares', label: 'Shares' },
  { key: 'requests', path: '/account/requests', label: 'Requests' },
  { key: 'apps', path: '/account/apps', label: 'Connected apps' },
  { key: 'history', path: '/account/history', label: 'History' },
  { key: 'settings', path: '/account/settings', label: 'Settings' },
] as const;

export type SectionKey = (typeof SECTIONS)[number]['key'];

export interface FrameProps {
  dashboard: Dashboard;
  section: SectionKey;
  title: string;
  /** A fixed confirmation text after a change ("The app can no longer..."). */
  notice?: string | undefined;
  /** A problem with what was sent, shown above the form. */
  problem?: string | undefined;
  children: ComponentChildren;
}

/** Every signed-in page: navigation with the current section marked, notices, sign-out. */
export function DashboardFrame(props: FrameProps) {
  const { dashboard } = props;
  const nav = (
    <nav class="sections" aria-label="Dashboard">
      <ul>
        {SECTIONS.map((section) => (
          <li key={section.key}>
            <a
              href={dashboard.path(section.path)}
              {...(section.key === props.section ? { 'aria-current': 'page' } : {})}
            >
              {section.label}
            </a>
          </li>
        ))}
        <li>
          <form method="post" action={dashboard.path('/account/logout')} class="inline">
            <input type="hidden" name="csrf_token" value={dashboard.csrfToken} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </li>
      </ul>
    </nav>
  );
  return (
    <Layout
      title={props.title}
      stylesheet={dashboard.stylesheet}
      signedInAs={dashboard.displayName}
      nav={nav}
      htmx={dashboard.htmx}
    >
      <h1 id="page-title">{props.title}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <Alert text={props.problem} />
      {props.children}
    </Layout>
  );
}

/** A hidden CSRF field, for every form of the dashboard. */
export const Csrf = ({ dashboard }: { dashboard: Dashboard }) => (
  <input type="hidden" name="csrf_token" value={dashboard.csrfToken} />
);
