import { useEffect, useMemo, useRef, useState } from 'react';
import type { Course, TimeOfDay } from '../../shared/content.js';
import type { SessionContext } from '../App.js';
import { formatDate, formatVnd } from '../i18n.js';
import { Keyboard } from '../Keyboard.js';

const DAY_NAMES_EN: Record<string, string> = { T2: 'Mon', T3: 'Tue', T4: 'Wed', T5: 'Thu', T6: 'Fri', T7: 'Sat', CN: 'Sun' };

export function scheduleText(course: Course, lang: 'vi' | 'en'): string {
  const days = course.schedule.days
    .map((day) => (lang === 'vi' ? (day === 'CN' ? 'CN' : `Thứ ${Number(day.slice(1))}`) : DAY_NAMES_EN[day]))
    .join(', ');
  return `${days} · ${course.schedule.start}–${course.schedule.end}`;
}

function CourseCard({ course, context }: { course: Course; context: SessionContext }) {
  const { t, lang, go, catalog } = context;
  const center = catalog.centers.find((c) => c.id === course.centerId);
  return (
    <li className="card">
      <h3>{course.title}</h3>
      <p>{course.summary}</p>
      <p className="meta">
        {center?.name} · {scheduleText(course, lang)} · {course.feeVnd === 0 ? t.free : formatVnd(course.feeVnd, lang)} ·{' '}
        {t.seatsLeft(course.seatsLeft)}
      </p>
      <button type="button" aria-label={`${t.detail}: ${course.title}`} onClick={() => go({ name: 'course', id: course.id })}>
        {t.detail}
      </button>
    </li>
  );
}

export function CourseList({ courses, context }: { courses: Course[]; context: SessionContext }) {
  const [shown, setShown] = useState(20);
  return (
    <>
      <p role="status">{context.t.coursesFound(courses.length)}</p>
      <ul className="cards" aria-label={context.t.courses}>
        {courses.slice(0, shown).map((course) => (
          <CourseCard key={course.id} course={course} context={context} />
        ))}
      </ul>
      {courses.length > shown && (
        <button type="button" onClick={() => setShown(shown + 20)}>
          {context.lang === 'vi' ? 'Xem thêm' : 'Show more'}
        </button>
      )}
    </>
  );
}

/** Browse by category, center and time of day: chips, no typing needed. */
export function CourseBrowser({ context }: { context: SessionContext }) {
  const { t, catalog } = context;
  const [category, setCategory] = useState<string | undefined>();
  const [center, setCenter] = useState<string | undefined>();
  const [timeOfDay, setTimeOfDay] = useState<TimeOfDay | undefined>();
  const [days, setDays] = useState<'weekdays' | 'weekend' | undefined>();
  const categories = useMemo(
    () => [...new Set(catalog.courses.map((c) => c.category))].sort((a, b) => a.localeCompare(b, 'vi')),
    [catalog],
  );
  const courses = catalog.courses.filter(
    (c) =>
      (!category || c.category === category) &&
      (!center || c.centerId === center) &&
      (!timeOfDay || c.schedule.timeOfDay === timeOfDay) &&
      (!days || c.schedule.days.some((day) => (day === 'T7' || day === 'CN') === (days === 'weekend'))),
  );
  const chips = <T extends string>(label: string, options: [T, string][], value: T | undefined, set: (value: T | undefined) => void) => (
    <fieldset className="chips">
      <legend>{label}</legend>
      <button type="button" aria-pressed={value === undefined} onClick={() => set(undefined)}>
        {t.all}
      </button>
      {options.map(([key, name]) => (
        <button type="button" key={key} aria-pressed={value === key} onClick={() => set(key)}>
          {name}
        </button>
      ))}
    </fieldset>
  );
  return (
    <>
      <h1>{t.courses}</h1>
      {chips(
        t.category,
        categories.map((c) => [c, c] as [string, string]),
        category,
        setCategory,
      )}
      {chips(
        t.center,
        catalog.centers.map((c) => [c.id, c.name] as [string, string]),
        center,
        setCenter,
      )}
      {chips<TimeOfDay>(
        t.timeOfDay,
        [
          ['morning', t.morning],
          ['afternoon', t.afternoon],
          ['evening', t.evening],
        ],
        timeOfDay,
        setTimeOfDay,
      )}
      {chips<'weekdays' | 'weekend'>(
        t.days,
        [
          ['weekdays', t.weekdays],
          ['weekend', t.weekend],
        ],
        days,
        setDays,
      )}
      <CourseList courses={courses} context={context} />
    </>
  );
}

/**
 * How long a query's results must stay on screen, the query unchanged, to count as a search the citizen made.
 * Results follow every key press; the ones for "t", "ti", "tin" on the way to "tin học" are not searches.
 */
export const SEARCH_COMMIT_MS = 1500;

export function SearchScreen({ context }: { context: SessionContext }) {
  const { t, api, courseById } = context;
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; ids: string[] } | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (query.trim() === '') {
      setResult(undefined);
      return;
    }
    let current = true;
    api.search(query).then(
      (found) => {
        if (current) {
          setResult({ query, ids: found });
          setFailed(false);
        }
      },
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [query, api]);
  // A search counts once when its results stayed up for SEARCH_COMMIT_MS or one of them was opened; the same
  // query again right after (e.g. back from a course) is the same search.
  const counted = useRef<string | undefined>(undefined);
  const commit = (shown: string | undefined) => {
    const folded = shown?.trim().normalize('NFC').toLocaleLowerCase('vi');
    if (!folded || folded === counted.current) return;
    counted.current = folded;
    context.searched();
  };
  // The results on screen are those of the query in the box (not of one typed before it).
  const shownQuery = result?.query === query ? query : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: only new results or a new query restart the pause
  useEffect(() => {
    if (shownQuery === undefined) return;
    const timer = setTimeout(() => commit(shownQuery), SEARCH_COMMIT_MS);
    return () => clearTimeout(timer);
  }, [result, query]);
  const ids = result?.ids;
  const listContext: SessionContext = {
    ...context,
    go: (screen) => {
      commit(shownQuery);
      context.go(screen);
    },
  };
  const courses = (ids ?? []).map(courseById).filter((c): c is Course => c !== undefined);
  return (
    <>
      <h1>{t.search}</h1>
      <label className="field">
        {t.searchBox}
        <input type="search" inputMode="none" value={query} maxLength={80} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <Keyboard value={query} onChange={(value) => setQuery(value.slice(0, 80))} t={t} target={t.searchBox} />
      {failed && <p role="alert">{t.error}</p>}
      {ids !== undefined &&
        (courses.length === 0 ? <p role="status">{t.noResults}</p> : <CourseList courses={courses} context={listContext} />)}
    </>
  );
}

export function CourseDetail({ context, id }: { context: SessionContext; id: string }) {
  const { t, lang, go, courseById, catalog } = context;
  const course = courseById(id);
  if (!course) return <p role="alert">{t.error}</p>;
  const center = catalog.centers.find((c) => c.id === course.centerId);
  return (
    <article>
      <h1>{course.title}</h1>
      <p className="lead">{course.summary}</p>
      <p>{course.description}</p>
      <dl className="facts">
        <dt>{t.category}</dt>
        <dd>{course.category}</dd>
        <dt>{t.center}</dt>
        <dd>
          {course.mode === 'online' ? t.online : t.inPerson} · {center?.name} ({center?.address})
        </dd>
        <dt>{t.schedule}</dt>
        <dd>
          {scheduleText(course, lang)} · {t.sessions(course.schedule.sessions)} · {t.startsOn(formatDate(course.schedule.startDate, lang))}
        </dd>
        <dt>{t.audience}</dt>
        <dd>{course.audience}</dd>
        <dt>{t.fee}</dt>
        <dd>{course.feeVnd === 0 ? t.free : formatVnd(course.feeVnd, lang)}</dd>
        <dt>{lang === 'vi' ? 'Chỗ trống' : 'Seats'}</dt>
        <dd>{t.seatsLeft(course.seatsLeft)}</dd>
      </dl>
      {course.seatsLeft === 0 && <p className="notice">{t.courseFull}</p>}
      <button type="button" className="primary" onClick={() => go({ name: 'enrol', id: course.id })}>
        {t.enrol}
      </button>
    </article>
  );
}
