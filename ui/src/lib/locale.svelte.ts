// The current language, as rune state: whatever reads it in a template or an effect
// re-runs when it changes. Set through `setLanguage` in i18n.ts.

import type { Language } from './types';

export const locale = $state<{ current: Language }>({ current: 'vi' });
