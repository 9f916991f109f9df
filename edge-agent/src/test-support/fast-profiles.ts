import { loadProfiles, type Profile } from '@lophoc/device-profiles';

/** A shipped profile with every reading polled every `intervalMs` (tests cannot wait for real intervals). */
export async function fastProfile<P extends Profile = Profile>(id: string, intervalMs = 100): Promise<P> {
  const profile = (await loadProfiles()).get(id);
  if (!profile) throw new Error(`no profile ${id}`);
  return { ...profile, readings: profile.readings.map((reading) => ({ ...reading, intervalMs, jitterMs: 0 })) } as P;
}
