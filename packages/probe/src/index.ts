export type { Listener, LogFields, Logger, TimeSource, Unsubscribe } from "@x/core";
export type { BackoffOptions } from "./backoff.js";
export type { CheckOptions } from "./checks/base-check.js";
export { BaseCheck } from "./checks/base-check.js";
export type { CommandCheckOptions } from "./checks/command-check.js";
export { DEFAULT_MAX_OUTPUT_BYTES } from "./checks/command-check.js";
export type { CheckFunction, FunctionCheckOptions } from "./checks/function-check.js";
export { functionCheck } from "./checks/function-check.js";
export type { HttpCheckOptions } from "./checks/http-check.js";
export { DEFAULT_MAX_BODY_BYTES, httpCheck } from "./checks/http-check.js";
export type { NagiosCheckOptions, NagiosState } from "./checks/nagios.js";
export { nagiosCheck, nagiosState, perfdataValue } from "./checks/nagios.js";
export type { PerfdataItem, PerfdataRange, PerfdataResult, PluginOutput } from "./checks/perfdata.js";
export { parsePerfdata, parseRange, splitPluginOutput } from "./checks/perfdata.js";
export type { ParseOutput, ShellCommandOptions } from "./checks/shell-command.js";
export { shellCommand } from "./checks/shell-command.js";
export type { TcpCheckOptions, TcpTarget } from "./checks/tcp-check.js";
export { tcpCheck } from "./checks/tcp-check.js";
export type { Checks, ChecksOptions } from "./checks.js";
export {
  createChecks,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BUFFERED,
  DEFAULT_MIN_RESCHEDULE_MS,
  DEFAULT_ON_ERROR,
  DEFAULT_REOPEN_BACKOFF,
} from "./checks.js";
export type { Check, CheckContext, CheckFailure, CheckOutput, ChecksRunner, Handle, HandleContext, OnError } from "./contract.js";
export type { ProbeErrorCode } from "./errors.js";
export {
  CheckNoResultError,
  ChecksModuleError,
  CheckTimeoutError,
  CommandError,
  HandleEofError,
  HandleReadError,
  InvalidAddressError,
  InvalidCheckError,
  InvalidOptionError,
  InvalidProbeMessageError,
  OutputClosedError,
  OutputError,
  ProbeError,
  UnixDatagramUnsupportedError,
  UnsafeOutputPathError,
} from "./errors.js";
export { defaultFailureMessage } from "./failure.js";
export type { ParseLine, ShellStreamOptions } from "./handles/shell-stream.js";
export { DEFAULT_MAX_LINE_LENGTH, shellStream } from "./handles/shell-stream.js";
export type { Command, CommandResult, SpawnCommandOptions } from "./internal/command.js";
export type { MessageInit, ThresholdInit, ValueInit } from "./message/build.js";
export { createMessage } from "./message/build.js";
export type {
  EventState,
  MetricValue,
  ProbeEvent,
  ProbeMessage,
  Severity,
  Threshold,
  ThresholdSeverity,
  ValueFields,
  ValueType,
} from "./message/types.js";
export type { ValidationResult } from "./message/validate.js";
export { assertMessage, isMetric, isState, validateMessage } from "./message/validate.js";
export type { OutputOptions } from "./outputs/base-output.js";
export { DEFAULT_WARN_INTERVAL_MS } from "./outputs/base-output.js";
export type {
  ConnectionOutput,
  ConnectionOutputEvents,
  ConnectionOutputOptions,
  TcpOutputOptions,
  UnixOutputOptions,
} from "./outputs/connection.js";
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RECONNECT_BACKOFF, DEFAULT_SPOOL_BYTES, tcpOutput, unixOutput } from "./outputs/connection.js";
export type { DatagramRelay } from "./outputs/datagram-relay.js";
export type { CreateOutputOptions, Destination } from "./outputs/destination.js";
export { createOutput, parseDestination } from "./outputs/destination.js";
export type { Output, OutputStats } from "./outputs/output.js";
export type { PublishedMessage, Publisher, PublisherOutputOptions } from "./outputs/publisher.js";
export { DEFAULT_SUBJECT, publisherOutput } from "./outputs/publisher.js";
export type { FileOutput, FileOutputOptions, StdoutOutputOptions, StreamOutputEvents, StreamOutputOptions } from "./outputs/stream.js";
export { DEFAULT_FILE_MODE, DEFAULT_STREAM_BUFFER_BYTES, fileOutput, stdoutOutput, streamOutput } from "./outputs/stream.js";
export type { UdpOutputOptions } from "./outputs/udp.js";
export { udpOutput } from "./outputs/udp.js";
export type { UnixDatagramOutput, UnixDatagramOutputEvents, UnixDatagramOutputOptions } from "./outputs/unix-datagram.js";
export {
  DEFAULT_DATAGRAM_PENDING_BYTES,
  DEFAULT_DATAGRAM_SEND_TIMEOUT_MS,
  DEFAULT_RELAY_RESTART_DELAY_MS,
  unixDatagramOutput,
} from "./outputs/unix-datagram.js";
export type { RunProbeOptions } from "./probe.js";
export { DEFAULT_RUNNER_RETRY_MS, runProbe } from "./probe.js";
export type { ChecksEvents, HandleClosed, HandleInfo, HandleProblem, MessageRejection, MessagesDropped } from "./scheduling/events.js";
