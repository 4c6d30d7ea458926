/**
 * The segment log's public surface (SPEC §5). The engine uses `SegmentLog`;
 * the tools (archive-wal, restore, verify) use the naming helpers and
 * `scanSegments`.
 */

export { crc32c } from "./crc32c.ts";
export type { EngineLog, LogFigures, LogOpener, StreamFigures } from "./engine-log.ts";
export type { FileOps, WritableFile } from "./file-ops.ts";
export { nodeFileOps } from "./file-ops.ts";
export type { LogRecord, LogRecordInput } from "./record-frame.ts";
export { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES } from "./record-frame.ts";
export type { RetentionOptions } from "./removable-segments.ts";
export type { SegmentProblem, SegmentScan } from "./scan-segment.ts";
export { scanSegment } from "./scan-segment.ts";
export type { ScannedSegment, ScanProblem, ScanReport } from "./scan-segments.ts";
export { scanSegments } from "./scan-segments.ts";
export type { SegmentFile } from "./segment-files.ts";
export {
  listSegmentFiles,
  parseSegmentFileName,
  SegmentFileReader,
  segmentFileName,
  segmentPath,
} from "./segment-files.ts";
export { SEGMENT_FORMAT_VERSION, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
export { SegmentLog, segmentLogOf } from "./segment-log.ts";
export type {
  LogLogger,
  LogSegment,
  LogStats,
  OpenReport,
  SegmentLogOptions,
} from "./segment-log-config.ts";
export { DEFAULT_SEGMENT_BYTES } from "./segment-log-config.ts";
export type { AppendResult } from "./segment-writer.ts";
