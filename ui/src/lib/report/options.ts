// The export options a clerk types once (issuing body, number, place, signer, recipients),
// remembered on this device between exports.

import type { ExportFormat, ExportOptions } from '../types';

export interface SavedOptions {
  superior_body: string;
  issuing_body: string;
  document_number: string;
  place: string;
  signer_authority: string;
  signer_title: string;
  signer_name: string;
  recipients: string;
}

export const EMPTY_OPTIONS: SavedOptions = {
  superior_body: '',
  issuing_body: '',
  document_number: '   /BC-UBND',
  place: '',
  signer_authority: '',
  signer_title: '',
  signer_name: '',
  recipients: '',
};

export const OPTIONS_KEY = 'townhall-export-options';

/** What was saved, field by field over the defaults; anything malformed is ignored. */
export function parseSaved(text: string | null): SavedOptions {
  if (!text) return { ...EMPTY_OPTIONS };
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const out = { ...EMPTY_OPTIONS };
    for (const key of Object.keys(EMPTY_OPTIONS) as (keyof SavedOptions)[]) {
      if (typeof raw[key] === 'string') out[key] = raw[key];
    }
    return out;
  } catch {
    return { ...EMPTY_OPTIONS };
  }
}

/** The command's options: blank optional fields left out, no signer without a name. */
export function exportOptions(saved: SavedOptions, format: ExportFormat, includePersonalData: boolean): ExportOptions {
  const signer =
    saved.signer_name.trim() || saved.signer_title.trim()
      ? { authority: saved.signer_authority.trim() || null, title: saved.signer_title, name: saved.signer_name }
      : null;
  return {
    format,
    include_personal_data: includePersonalData,
    superior_body: saved.superior_body.trim() || null,
    issuing_body: saved.issuing_body,
    document_number: saved.document_number,
    place: saved.place,
    signer,
    recipients: saved.recipients
      .split('\n')
      .map((r) => r.trim())
      .filter((r) => r.length > 0),
  };
}
