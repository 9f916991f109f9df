import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_IDLE_TIMES, type IdleState, type IdleTimes, nextIdleState, secondsLeft } from '../core/idle-policy.js';
import { type Catalog, type Course, MAX_SESSION_SEARCHES, type Procedure } from '../shared/content.js';
import type { KioskApi, KioskNotice, ScanEvent } from '../shared/kiosk-api.js';
import { AttractScreen } from './AttractScreen.js';
import { DeviceNotice } from './DeviceMessages.js';
import { type Lang, STRINGS, type Strings } from './i18n.js';
import { newKey } from './keys.js';
import { StatusBar } from './StatusBar.js';
import { CourseBrowser, CourseDetail, SearchScreen } from './screens/courses.js';
import { DossierScreen } from './screens/dossier.js';
import { EnrolScreen } from './screens/enrol.js';
import { FeedbackScreen } from './screens/feedback.js';
import { ProcedureDetail, ProcedureList } from './screens/procedures.js';

export type Screen =
  | { name: 'home' }
  | { name: 'courses' }
  | { name: 'search' }
  | { name: 'course'; id: string }
  | { name: 'enrol'; id: string }
  | { name: 'procedures' }
  | { name: 'procedure'; id: string }
  | { name: 'dossier'; code?: string }
  | { name: 'feedback' };

export interface SessionContext {
  api: KioskApi;
  t: Strings;
  lang: Lang;
  catalog: Catalog;
  go(screen: Screen): void;
  /** The latest scan for the current screen to consume (enrolment form, dossier lookup). */
  scan: ScanEvent | undefined;
  courseById(id: string): Course | undefined;
  procedureById(id: string): Procedure | undefined;
  /** The citizen made a search (its results stayed on screen, or one was opened): counted for the session record. */
  searched(): void;
}

const EMPTY: Catalog = { centers: [], courses: [], procedures: [], stale: true };

/**
 * The kiosk: an attract screen, then one citizen's session. Ending the session (idle or "Kết thúc") remounts
 * the session tree under a new key, clears storage and caches and tells the core, so nothing of one citizen
 * reaches the next.
 */
/** How long a device notice stays up unless the citizen touches OK (long enough for a slow reader). */
export const NOTICE_DISMISS_MS = 20_000;

export function App({
  api,
  idleTimes = DEFAULT_IDLE_TIMES,
  noticeMs = NOTICE_DISMISS_MS,
}: {
  api: KioskApi;
  idleTimes?: IdleTimes;
  noticeMs?: number;
}) {
  const [idle, setIdle] = useState<IdleState>({ name: 'attract' });
  const [now, setNow] = useState(() => Date.now());
  const [sessionKey, setSessionKey] = useState(0);
  const [lang, setLang] = useState<Lang>('vi');
  const [large, setLarge] = useState(false);
  const [contrast, setContrast] = useState(false);
  const [catalog, setCatalog] = useState<Catalog>(EMPTY);
  // undefined until the first answer; true when the kiosk cannot give a catalog (none cached yet, or it failed).
  const [catalogError, setCatalogError] = useState<boolean | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [scan, setScan] = useState<ScanEvent | undefined>();
  // `id` restarts the auto-dismiss when the same notice comes again.
  const [deviceNotice, setDeviceNotice] = useState<{ notice: KioskNotice; id: number } | undefined>();
  const dismissNotice = useCallback(() => setDeviceNotice(undefined), []);
  const t = STRINGS[lang];

  const idleRef = useRef(idle);
  idleRef.current = idle;
  // What the session record reports when the session ends. Waking the kiosk is not yet using it: only a touch,
  // key or scan after that (or a scan that wakes it) makes the session count.
  const usage = useRef({ interacted: false, searches: 0 });
  const searched = useCallback(() => {
    usage.current.searches++;
  }, []);

  const dispatch = useCallback(
    (event: Parameters<typeof nextIdleState>[1]) => setIdle((state) => nextIdleState(state, event, idleTimes)),
    [idleTimes],
  );

  const loadCatalog = useCallback(() => {
    api.catalog().then(
      (loaded) => {
        setCatalog(loaded);
        setCatalogError(loaded.courses.length === 0);
      },
      () => setCatalogError(true),
    );
  }, [api]);
  useEffect(() => loadCatalog(), [loadCatalog]);

  useEffect(() => {
    const touch = () => {
      if (idleRef.current.name === 'active' || idleRef.current.name === 'warning') usage.current.interacted = true;
      dispatch({ type: 'touch', now: Date.now() });
    };
    document.addEventListener('pointerdown', touch, true);
    document.addEventListener('keydown', touch, true);
    const timer = setInterval(() => {
      const time = Date.now();
      setNow(time);
      dispatch({ type: 'tick', now: time });
    }, 250);
    return () => {
      document.removeEventListener('pointerdown', touch, true);
      document.removeEventListener('keydown', touch, true);
      clearInterval(timer);
    };
  }, [dispatch]);

  useEffect(() => {
    if (idle.name !== 'wipe') return;
    const { interacted, searches } = usage.current;
    usage.current = { interacted: false, searches: 0 };
    // Queued in the core's outbox, which delivers it exactly once; the next citizen need not wait for that.
    if (interacted)
      api
        .submit({ kind: 'session', key: newKey('session'), data: { searches: Math.min(searches, MAX_SESSION_SEARCHES) } })
        .catch(() => undefined);
    sessionStorage.clear();
    localStorage.clear();
    const cleared =
      'caches' in window ? caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key)))) : Promise.resolve();
    void Promise.allSettled([api.endSession(), cleared]).then(() => {
      setLang('vi');
      setLarge(false);
      setContrast(false);
      setNotice(undefined);
      setScan(undefined); // the last CCCD scan must not outlive the session
      setDeviceNotice(undefined);
      setSessionKey((key) => key + 1);
      loadCatalog();
      dispatch({ type: 'wiped' });
    });
  }, [idle.name, api, dispatch, loadCatalog]);

  // Scans reach the session through state; a receipt scanned anywhere opens the dossier lookup.
  const sessionRef = useRef<{ go(screen: Screen): void; screen: Screen } | undefined>(undefined);
  useEffect(
    () =>
      api.onScan((event) => {
        usage.current.interacted = true;
        dispatch({ type: 'touch', now: Date.now() });
        if (event.kind === 'unknown') setNotice('scanUnknown');
        else if (event.kind === 'invalid-cccd') setNotice('scanBadCccd');
        else setNotice(undefined);
        if (event.kind === 'receipt' && sessionRef.current?.screen.name !== 'dossier')
          sessionRef.current?.go({ name: 'dossier', code: event.code });
        setScan(event);
      }),
    [api, dispatch],
  );

  useEffect(
    () =>
      api.onNotice((notice) => {
        // Someone is at the scanner: an unreadable scan wakes the kiosk like a good one. Anything else while
        // nobody is there would greet the next citizen with a stale message.
        if (notice.kind === 'scan-unreadable') dispatch({ type: 'touch', now: Date.now() });
        else if (idleRef.current.name === 'attract' || idleRef.current.name === 'wipe') return;
        setDeviceNotice((previous) => ({ notice, id: (previous?.id ?? 0) + 1 }));
      }),
    [api, dispatch],
  );

  const rootClass = ['kiosk', large ? 'large' : '', contrast ? 'contrast' : ''].join(' ');
  if (idle.name === 'attract' || idle.name === 'wipe') {
    return (
      <div className={rootClass} lang={lang}>
        <AttractScreen onStart={() => dispatch({ type: 'touch', now: Date.now() })} />
      </div>
    );
  }
  return (
    <div className={rootClass} lang={lang}>
      <Session
        key={sessionKey}
        api={api}
        t={t}
        lang={lang}
        catalog={catalog}
        catalogError={catalogError === true}
        scan={scan}
        sessionRef={sessionRef}
        searched={searched}
        notice={notice ? (t[notice as 'scanUnknown'] as string) : undefined}
        bar={
          <StatusBar
            t={t}
            lang={lang}
            catalog={catalog}
            large={large}
            contrast={contrast}
            onLang={() => setLang(lang === 'vi' ? 'en' : 'vi')}
            onLarge={() => setLarge(!large)}
            onContrast={() => setContrast(!contrast)}
            onEnd={() => dispatch({ type: 'end', now: Date.now() })}
          />
        }
      />
      {deviceNotice && <DeviceNotice key={deviceNotice.id} notice={deviceNotice.notice} dismissMs={noticeMs} onDismiss={dismissNotice} />}
      {idle.name === 'warning' && (
        <div className="overlay">
          <div role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-body" className="dialog">
            <h2 id="idle-title">{t.idleTitle}</h2>
            <p id="idle-body">{t.idleBody(secondsLeft(idle, now))}</p>
            <button type="button" className="primary" onClick={() => dispatch({ type: 'touch', now: Date.now() })}>
              {t.stay}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Session(props: {
  api: KioskApi;
  t: Strings;
  lang: Lang;
  catalog: Catalog;
  catalogError: boolean;
  scan: ScanEvent | undefined;
  notice: string | undefined;
  bar: React.ReactNode;
  sessionRef: React.RefObject<{ go(screen: Screen): void; screen: Screen } | undefined>;
  searched(): void;
}) {
  const { api, t, lang, catalog, scan, bar } = props;
  const [history, setHistory] = useState<Screen[]>([{ name: 'home' }]);
  const screen = history.at(-1)!;
  // A double tap must not push the same screen twice (two enrolment forms, two keys).
  const go = useCallback(
    (next: Screen) =>
      setHistory((stack) =>
        next.name === 'home' ? [next] : JSON.stringify(stack.at(-1)) === JSON.stringify(next) ? stack : [...stack, next],
      ),
    [],
  );
  props.sessionRef.current = { go, screen };
  const courses = useMemo(() => new Map(catalog.courses.map((course) => [course.id, course])), [catalog]);
  const procedures = useMemo(() => new Map(catalog.procedures.map((procedure) => [procedure.id, procedure])), [catalog]);
  const context: SessionContext = {
    api,
    t,
    lang,
    catalog,
    go,
    scan,
    courseById: (id) => courses.get(id),
    procedureById: (id) => procedures.get(id),
    searched: props.searched,
  };
  const mainRef = useRef<HTMLElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus moves to the new screen whenever the screen changes
  useEffect(() => {
    mainRef.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [screen]);

  return (
    <>
      {bar}
      <nav className="nav" aria-label={t.home}>
        {history.length > 1 && (
          <button type="button" onClick={() => setHistory((stack) => stack.slice(0, -1))}>
            ← {t.back}
          </button>
        )}
        <button type="button" aria-current={screen.name === 'home' ? 'page' : undefined} onClick={() => go({ name: 'home' })}>
          {t.home}
        </button>
      </nav>
      {props.notice && (
        <p role="alert" className="notice">
          {props.notice}
        </p>
      )}
      {props.catalogError && catalog.courses.length === 0 && (
        <p role="alert" className="notice">
          {t.noCatalog}
        </p>
      )}
      <main ref={mainRef} tabIndex={-1} className="screen">
        {screen.name === 'home' && <Home context={context} />}
        {screen.name === 'courses' && <CourseBrowser context={context} />}
        {screen.name === 'search' && <SearchScreen context={context} />}
        {screen.name === 'course' && <CourseDetail context={context} id={screen.id} />}
        {screen.name === 'enrol' && <EnrolScreen context={context} id={screen.id} />}
        {screen.name === 'procedures' && <ProcedureList context={context} />}
        {screen.name === 'procedure' && <ProcedureDetail context={context} id={screen.id} />}
        {screen.name === 'dossier' && <DossierScreen context={context} initialCode={screen.code} />}
        {screen.name === 'feedback' && <FeedbackScreen context={context} />}
      </main>
    </>
  );
}

function Home({ context: { t, go } }: { context: SessionContext }) {
  const tiles: [string, Screen][] = [
    [t.courses, { name: 'courses' }],
    [t.search, { name: 'search' }],
    [t.procedures, { name: 'procedures' }],
    [t.dossier, { name: 'dossier' }],
    [t.feedback, { name: 'feedback' }],
  ];
  return (
    <>
      <h1>{t.appTitle}</h1>
      <div className="tiles">
        {tiles.map(([label, screen]) => (
          <button type="button" key={label} className="tile" onClick={() => go(screen)}>
            {label}
          </button>
        ))}
      </div>
    </>
  );
}
