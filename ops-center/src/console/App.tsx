import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Alert, api, type CityBranch, type Command, HttpError, type LatestValue, type Me, type NodeSummary } from './api.js';
import { type Language, t } from './i18n.js';
import { type LiveHandlers, mergeLatest, useLiveStream } from './live.js';
import { AlertsPage } from './pages/AlertsPage.js';
import { AttendancePage } from './pages/AttendancePage.js';
import { KioskPage } from './pages/KioskPage.js';
import { LoginForm } from './pages/LoginForm.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { RoomPage } from './pages/RoomPage.js';
import { parseHash, type Route } from './routes.js';

/** The operator console: fleet overview, rooms, alerts, attendance and kiosk statistics, updated live. */
export function App() {
  const [language, setLanguage] = useState<Language>('vi');
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  const [values, setValues] = useState<Map<string, LatestValue>>(new Map());
  const [fleet, setFleet] = useState<CityBranch[]>([]);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [commands, setCommands] = useState<Map<string, Command>>(new Map());

  const loadMe = useCallback(() => {
    api<Me>('api/me').then(setMe, (error: unknown) => setMe(error instanceof HttpError && error.status === 401 ? null : undefined));
  }, []);
  useEffect(loadMe, [loadMe]);
  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const signedIn = !!me;
  /** A 401 means the session ended (expired, logged out elsewhere): show the login form again. */
  const onFailure = useCallback((error: unknown) => {
    if (error instanceof HttpError && error.status === 401) setMe(null);
  }, []);
  const loadFleet = useCallback(() => {
    api<CityBranch[]>('api/fleet').then(setFleet, onFailure);
  }, [onFailure]);
  const loadAlerts = useCallback(() => {
    api<Alert[]>('api/alerts?active=true').then(setAlerts, onFailure);
  }, [onFailure]);
  useEffect(() => {
    if (!signedIn) return;
    loadFleet();
    loadAlerts();
    api<Command[]>('api/commands').then(
      (list) => setCommands(new Map(list.map((c) => [c.id, c]))),
      () => undefined,
    );
  }, [signedIn, loadFleet, loadAlerts]);

  // Handlers are created once; they only call state setters.
  const handlers = useRef<LiveHandlers>({
    latest: (batch) => setValues((previous) => mergeLatest(previous, batch)),
    fleet: () => loadFleet(),
    alert: () => loadAlerts(),
    command: (command) => setCommands((previous) => new Map(previous).set(command.id, command)),
  }).current;
  const live = useLiveStream(handlers, signedIn);

  const nodes = useMemo(
    () => fleet.flatMap((c) => c.wards.flatMap((w) => w.sites.flatMap((s) => s.rooms.flatMap((r) => r.nodes)))),
    [fleet],
  );
  const nodeIndex = useMemo(() => new Map<string, NodeSummary>(nodes.map((n) => [`${n.site}/${n.node}`, n])), [nodes]);

  const logout = async () => {
    await api('api/logout', { method: 'POST' }).catch(() => undefined);
    setMe(null);
  };

  const nav: [Route['page'], string, string][] = [
    ['overview', '#/', t('navOverview', language)],
    ['alerts', '#/alerts', `${t('navAlerts', language)}${alerts.length ? ` (${alerts.length})` : ''}`],
    ['attendance', '#/attendance', t('navAttendance', language)],
    ['kiosk', '#/kiosk', t('navKiosk', language)],
  ];

  return (
    <>
      <header>
        <h1>LopHoc · {t('title', language)}</h1>
        {signedIn && (
          <p role="status" className={live ? 'live' : 'connecting'}>
            {live ? t('live', language) : t('connecting', language)}
          </p>
        )}
        {me?.username && (
          <span className="who">
            {me.username} · {me.role}
          </span>
        )}
        {me?.username && (
          <button type="button" onClick={logout}>
            {t('logout', language)}
          </button>
        )}
        <button type="button" onClick={() => setLanguage(language === 'vi' ? 'en' : 'vi')}>
          {t('language', language)}
        </button>
      </header>
      {me === null && <LoginForm language={language} onLoggedIn={loadMe} />}
      {signedIn && (
        <>
          <nav aria-label={t('navigation', language)}>
            {nav.map(([page, href, label]) => (
              <a key={page} href={href} aria-current={route.page === page ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          {me.setupRequired && <p className="notice">{t('setupRequired', language)}</p>}
          {route.page === 'overview' && <OverviewPage language={language} fleet={fleet} values={values} nodeIndex={nodeIndex} />}
          {route.page === 'room' && (
            <RoomPage
              language={language}
              site={route.site}
              room={route.room}
              nodes={nodes.filter((n) => n.site === route.site && (n.room ?? n.node) === route.room)}
              values={values}
              commands={commands}
              canCommand={me.role !== 'viewer' && !me.setupRequired}
            />
          )}
          {route.page === 'alerts' && (
            <AlertsPage
              language={language}
              active={alerts}
              canAcknowledge={me.role !== 'viewer' && !me.setupRequired}
              onChange={loadAlerts}
            />
          )}
          {route.page === 'attendance' && <AttendancePage language={language} />}
          {route.page === 'kiosk' && <KioskPage language={language} />}
        </>
      )}
    </>
  );
}
