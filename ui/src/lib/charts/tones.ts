/** The colours a bar can take; each chart maps its keys to one. */
export type Tone = 'default' | 'good' | 'warn' | 'bad' | 'muted';

/** The tone of a question status: settled is good, waiting on someone is a warning. */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'answered_on_site':
    case 'resolved':
      return 'good';
    case 'answered':
      return 'default';
    case 'reopened':
      return 'bad';
    case 'received':
      return 'muted';
    default:
      return 'warn';
  }
}
