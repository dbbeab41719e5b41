import { describe, expect, it } from 'vitest';

import { errorCode, fieldProblems, unshownProblems } from './errors';

describe('command errors', () => {
  it('reads the code, or internal for anything else', () => {
    expect(errorCode({ code: 'forbidden', message: 'a leader may not plan a dialogue' })).toBe('forbidden');
    expect(errorCode(new Error('boom'))).toBe('internal');
    expect(errorCode('offline')).toBe('internal');
    expect(errorCode(null)).toBe('internal');
  });

  it('maps problems to fields, first one per field, ignoring junk', () => {
    const error = {
      code: 'invalid',
      message: '…',
      problems: [
        { field: 'title', code: 'required', message: '' },
        { field: 'title', code: 'too_long', message: '' },
        { field: 'starts_at', code: 'out_of_range', message: '' },
        { nonsense: true },
        null,
      ],
    };
    const problems = fieldProblems(error);
    expect(problems).toEqual({ title: 'required', starts_at: 'out_of_range' });
    expect(fieldProblems({ code: 'invalid' })).toEqual({});
    expect(unshownProblems(problems, ['title'])).toEqual([{ field: 'starts_at', code: 'out_of_range' }]);
  });
});
