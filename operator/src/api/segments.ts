/**
 * How a segment series is named, and how an anomaly on one reads (docs/segments.md). A segment
 * series keeps the whole-population subject with the segment in brackets, `score[origin=BOS]`,
 * so every key of a run (category/subject/statistic) tells segments apart with no new field;
 * the status, alerts and report show it as "score mean dropped in segment origin=BOS only".
 */
import type { AnomalyStatus } from './types.js';

/** `column=value`: how a segment is named in the status, alerts and the store's `segment` tag. */
export function segmentName(column: string, value: string): string {
  return `${column}=${value}`;
}

/** The subject of a segment series: `score[origin=BOS]`. */
export function segmentSubject(subject: string, segment: string): string {
  return `${subject}[${segment}]`;
}

/** The base subject and segment of a segment series' subject; undefined for a population series. */
export function parseSegmentSubject(subject: string): { subject: string; segment: string } | undefined {
  if (!subject.endsWith(']')) return undefined;
  const open = subject.indexOf('[');
  if (open <= 0) return undefined;
  const segment = subject.slice(open + 1, -1);
  return segment.includes('=') ? { subject: subject.slice(0, open), segment } : undefined;
}

/**
 * The segment of a series of this category and subject, if it is a segment series: only score
 * and label statistics are computed per segment, so a feature whose name looks like one
 * (`tags[k=v]`) is never taken for a segment series.
 */
export function segmentOf(s: { category: string; subject: string }): { subject: string; segment: string } | undefined {
  return s.category === 'score' || s.category === 'label' ? parseSegmentSubject(s.subject) : undefined;
}

/** The subject without its segment: `score` for `score[origin=BOS]`. */
export function baseSubject(subject: string): string {
  return parseSegmentSubject(subject)?.subject ?? subject;
}

/**
 * Where an anomaly is, in words, empty for a population anomaly without grouped segments:
 * " in segment origin=BOS only", " in segment origin=BOS (also origin=ORD, origin=DFW)",
 * " in 3 segments: origin=BOS, origin=ORD, origin=DFW".
 */
export function segmentPhrase(a: Pick<AnomalyStatus, 'segment' | 'confined' | 'segments'>): string {
  const others = (a.segments ?? []).filter((s) => s !== a.segment);
  const list = (names: string[]): string => names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  if (a.segment !== undefined) {
    if (a.confined === true) return ` in segment ${a.segment} only`;
    return ` in segment ${a.segment}${others.length > 0 ? ` (also ${list(others)})` : ''}`;
  }
  return others.length > 0 ? ` in ${others.length} segment${others.length === 1 ? '' : 's'}: ${list(others)}` : '';
}

/** "score mean dropped in segment origin=BOS only": the anomaly's one-line headline. */
export function segmentHeadline(a: Pick<AnomalyStatus, 'subject' | 'statistic' | 'observed' | 'expected' | 'segment' | 'confined' | 'segments'>): string {
  const moved = a.observed < a.expected ? 'dropped' : 'rose';
  return `${baseSubject(a.subject)} ${a.statistic} ${moved}${segmentPhrase(a)}`;
}
