export {
  createChecks,
  DEFAULT_CONCURRENCY,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_MIN_RESCHEDULE_MS,
  DEFAULT_ON_ERROR,
  DEFAULT_REOPEN_BACKOFF,
  DEFAULT_MAX_BUFFERED,
} from "./checks.js";
export { runProbe, DEFAULT_RUNNER_RETRY_MS } from "./probe.js";
export { defaultFailureMessage } from "./failure.js";
export { createMessage } from "./message/build.js";
export { validateMessage, assertMessage, isMetric, isState } from "./message/validate.js";
export { BaseCheck } from "./checks/base-check.js";
export { functionCheck } from "./checks/function-check.js";
export { DEFAULT_MAX_OUTPUT_BYTES } from "./checks/command-check.js";
export { shellCommand } from "./checks/shell-command.js";
export { nagiosCheck, nagiosState, perfdataValue } from "./checks/nagios.js";
export { parsePerfdata, parseRange, splitPluginOutput } from "./checks/perfdata.js";
export { httpCheck, DEFAULT_MAX_BODY_BYTES } from "./checks/http-check.js";
export { tcpCheck } from "./checks/tcp-check.js";
export { shellStream, DEFAULT_MAX_LINE_LENGTH } from "./handles/shell-stream.js";
export { DEFAULT_WARN_INTERVAL_MS } from "./outputs/base-output.js";
export { streamOutput, stdoutOutput, fileOutput, DEFAULT_STREAM_BUFFER_BYTES, DEFAULT_FILE_MODE } from "./outputs/stream.js";
export { udpOutput } from "./outputs/udp.js";
export { tcpOutput, unixOutput, DEFAULT_SPOOL_BYTES, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RECONNECT_BACKOFF } from "./outputs/connection.js";
export { publisherOutput, DEFAULT_SUBJECT } from "./outputs/publisher.js";
export { parseDestination, createOutput } from "./outputs/destination.js";
export {
  ProbeError,
  InvalidOptionError,
  InvalidProbeMessageError,
  InvalidCheckError,
  CheckTimeoutError,
  CheckNoResultError,
  CommandError,
  HandleEofError,
  HandleReadError,
  InvalidAddressError,
  OutputError,
  UnsafeOutputPathError,
  OutputClosedError,
  ChecksModuleError,
} from "./errors.js";

export type { Checks, ChecksOptions } from "./checks.js";
export type { ChecksEvents, MessageRejection, HandleInfo, HandleClosed, HandleProblem, MessagesDropped } from "./scheduling/events.js";
export type { Check, CheckContext, CheckFailure, CheckOutput, Handle, HandleContext, ChecksRunner, OnError } from "./contract.js";
export type { LogFields, Logger, Listener, Unsubscribe, TimeSource } from "@x/core";
export type { BackoffOptions } from "./backoff.js";
export type { MessageInit, ValueInit, ThresholdInit } from "./message/build.js";
export type { ValidationResult } from "./message/validate.js";
export type {
  ProbeMessage,
  ProbeEvent,
  EventState,
  MetricValue,
  ValueFields,
  Threshold,
  Severity,
  ThresholdSeverity,
  ValueType,
} from "./message/types.js";
export type { CheckOptions } from "./checks/base-check.js";
export type { CheckFunction, FunctionCheckOptions } from "./checks/function-check.js";
export type { CommandCheckOptions } from "./checks/command-check.js";
export type { ShellCommandOptions, ParseOutput } from "./checks/shell-command.js";
export type { NagiosCheckOptions, NagiosState } from "./checks/nagios.js";
export type { PerfdataItem, PerfdataRange, PerfdataResult, PluginOutput } from "./checks/perfdata.js";
export type { HttpCheckOptions } from "./checks/http-check.js";
export type { TcpCheckOptions, TcpTarget } from "./checks/tcp-check.js";
export type { ShellStreamOptions, ParseLine } from "./handles/shell-stream.js";
export type { Command, CommandResult, SpawnCommandOptions } from "./internal/command.js";
export type { Output, OutputStats } from "./outputs/output.js";
export type { OutputOptions } from "./outputs/base-output.js";
export type { StdoutOutputOptions, StreamOutputOptions, FileOutputOptions, FileOutput, StreamOutputEvents } from "./outputs/stream.js";
export type { UdpOutputOptions } from "./outputs/udp.js";
export type { ConnectionOutput, ConnectionOutputOptions, ConnectionOutputEvents, TcpOutputOptions, UnixOutputOptions } from "./outputs/connection.js";
export type { Publisher, PublishedMessage, PublisherOutputOptions } from "./outputs/publisher.js";
export type { Destination, CreateOutputOptions } from "./outputs/destination.js";
export type { RunProbeOptions } from "./probe.js";
export type { ProbeErrorCode } from "./errors.js";
