// Who this device is and its settings, loaded once at start and after enrolment.

import * as api from './api';
import { CommandError } from './api';
import { setLanguage } from './i18n';
import type { AppSettings, DeviceInfo, Language, Role } from './types';

export const session = $state<{
  info: DeviceInfo | null;
  loading: boolean;
  error: CommandError | null;
  /** The saved settings; reminders are on until settings say otherwise. */
  settings: AppSettings;
}>({ info: null, loading: true, error: null, settings: { language: 'vi', reminders: true } });

/** Loads the device's identity and the saved language. */
export async function loadSession(): Promise<void> {
  session.loading = true;
  session.error = null;
  try {
    const [info, settings] = await Promise.all([api.deviceInfo(), api.settingsGet().catch(() => null)]);
    session.info = info;
    if (settings) {
      session.settings = { language: settings.language, reminders: settings.reminders !== false };
      setLanguage(settings.language);
    }
  } catch (error) {
    session.error = CommandError.from(error);
  } finally {
    session.loading = false;
  }
}

/** The device's role, once enrolled. */
export function currentRole(): Role | null {
  return session.info?.identity?.role ?? null;
}

/** Changes the language now and saves it; on a failed save the choice still applies. */
export async function changeLanguage(language: Language): Promise<void> {
  setLanguage(language);
  session.settings = { ...session.settings, language };
  session.settings = await api.settingsSet({ ...session.settings });
}

/** Turns deadline reminders on or off and saves it. */
export async function changeReminders(reminders: boolean): Promise<void> {
  const before = session.settings;
  session.settings = { ...before, reminders };
  try {
    session.settings = await api.settingsSet({ ...session.settings });
  } catch (error) {
    session.settings = before;
    throw error;
  }
}
