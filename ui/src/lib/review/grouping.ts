/**
 * Grouping the compiled questions for review: by topic, by the citizen's locality, by the
 * dialogue's locality, or by the agency a question is assigned to.
 *
 * The functions take only the fields they read, so they work on the generated `QuestionRow`
 * and on small test objects alike.
 */

/** How the review screen groups its rows. */
export type GroupBy = 'topic' | 'citizen_locality' | 'dialogue_locality' | 'agency';

/** Every grouping, in the order the switch shows them. */
export const GROUP_BYS: readonly GroupBy[] = ['topic', 'citizen_locality', 'dialogue_locality', 'agency'];

/** Who raised a question, as a list row carries it (`null` when this role may not see it). */
export type CitizenShape =
  { type: 'anonymous' } | { type: 'named'; name: string; locality: string | null; phone: string | null } | null;

/** The fields of a question row that grouping reads. */
export interface GroupableRow {
  id: string;
  dialogue: string;
  topic: string | null;
  topic_name: string | null;
  citizen: CitizenShape;
  agency: string | null;
  agency_name: string | null;
}

/** One group of rows. */
export interface Group<R> {
  /** A stable key for `{#each}` and for remembering which groups are folded. */
  key: string;
  /** The name to show; `null` for the group of rows that have none (no topic, no agency…). */
  label: string | null;
  rows: R[];
}

/** The key of the group of rows without a value. */
export const NONE_KEY = '∅';

/**
 * Folds free text typed by recorders (a citizen's hamlet or ward) so that `Thôn 3`,
 * `thôn 3 ` and a decomposed `Thôn 3` land in one group. Diacritics are kept: `Bình` and
 * `Binh` are different places as often as they are typos.
 */
export function foldPlace(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ').toLocaleLowerCase('vi');
}

/** The group key and label of one row. */
export function groupOf(
  row: GroupableRow,
  by: GroupBy,
  dialogueLocality: (dialogue: string) => string | undefined,
): { key: string; label: string | null } {
  switch (by) {
    case 'topic':
      return row.topic === null
        ? { key: NONE_KEY, label: null }
        : { key: row.topic, label: row.topic_name ?? row.topic };
    case 'agency':
      return row.agency === null
        ? { key: NONE_KEY, label: null }
        : { key: row.agency, label: row.agency_name ?? row.agency };
    case 'citizen_locality': {
      const place = row.citizen?.type === 'named' ? (row.citizen.locality ?? '') : '';
      const folded = foldPlace(place);
      return folded === ''
        ? { key: NONE_KEY, label: null }
        : { key: folded, label: place.normalize('NFC').trim().replace(/\s+/gu, ' ') };
    }
    case 'dialogue_locality': {
      const name = dialogueLocality(row.dialogue)?.trim() ?? '';
      return name === '' ? { key: NONE_KEY, label: null } : { key: name, label: name };
    }
  }
}

const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });

/**
 * Groups rows, keeping their order inside each group. Groups are sorted by name in Vietnamese
 * order (numbers numerically: `Thôn 2` before `Thôn 10`); the group without a value comes last.
 */
export function groupRows<R extends GroupableRow>(
  rows: readonly R[],
  by: GroupBy,
  dialogueLocality: (dialogue: string) => string | undefined = () => undefined,
): Group<R>[] {
  const groups = new Map<string, Group<R>>();
  for (const row of rows) {
    const { key, label } = groupOf(row, by, dialogueLocality);
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, label, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()].sort((a, b) => {
    if (a.label === null) return b.label === null ? 0 : 1;
    if (b.label === null) return -1;
    return collator.compare(a.label, b.label) || a.key.localeCompare(b.key);
  });
}
