import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { Logger } from "pino";
import { headerOf, type ApiCall, type ApiReply } from "../http/api-call.js";
import type { Authenticator } from "../http/auth/authenticator.js";
import { SerializationException, UnknownOperationException, type AwsError } from "../http/errors.js";
import type { ServiceRoute } from "../http/front-door.js";
import { errorFormOf, RequestEntityTooLargeException } from "./errors.js";
import type { PutMetricDataInput } from "./generated/model.js";
import type { MetricSeries } from "./metric-series.js";
import { CLOUDWATCH_API_VERSION, CLOUDWATCH_SHAPE_NAMESPACE, CLOUDWATCH_SIGNING_NAME } from "./model.js";
import { checkPutMetricData } from "./validation.js";
import { jsonForm, queryForm, wireFormOf, type WireAnswer } from "./wire-forms.js";

/** CloudWatch refuses a PutMetricData body over 1 MB (after gzip is undone). */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const SERVICE = "cloudwatch";

/** The body as sent before compression: the SDKs gzip PutMetricData bodies of 10 KB or more (its requestCompression trait). */
function plainBody(call: ApiCall): Buffer {
  const encoding = headerOf(call, "content-encoding")?.trim().toLowerCase();
  let body = call.body;
  if (encoding === "gzip") {
    try {
      body = gunzipSync(call.body, { maxOutputLength: MAX_REQUEST_BYTES + 1 });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") body = Buffer.alloc(MAX_REQUEST_BYTES + 1);
      else throw new SerializationException("The request body is not valid gzip");
    }
  }
  if (body.length > MAX_REQUEST_BYTES) throw new RequestEntityTooLargeException(`Request size ${body.length} exceeded ${MAX_REQUEST_BYTES} bytes`);
  return body;
}

/**
 * CloudWatch behind the front door: PutMetricData in the query protocol, JSON 1.0 and Smithy
 * RPC v2 CBOR, checked as CloudWatch checks it (SigV4 scoped to `monitoring` when access keys
 * are configured), its data points kept as Prometheus series. Every other operation is answered
 * as CloudWatch answers an unknown one.
 */
export class CloudWatchRoute implements ServiceRoute {
  readonly name = SERVICE;

  constructor(
    private readonly series: MetricSeries,
    private readonly log: Logger,
    /** Without one, any credentials are accepted. */
    private readonly authenticator?: Authenticator,
  ) {}

  /**
   * Its path or target, or a form that names an Action: a form POST without one (or a
   * Kinesis target) is not a CloudWatch call, and Kinesis's front end refuses it as Kinesis does.
   */
  claims(call: ApiCall): boolean {
    const form = wireFormOf(call);
    if (form !== queryForm) return form !== undefined;
    if (headerOf(call, "x-amz-target") !== undefined) return false;
    return headerOf(call, "content-encoding") !== undefined || /(?:^|&)Action=/.test(Buffer.from(call.body).toString("latin1"));
  }

  async handle(call: ApiCall): Promise<ApiReply> {
    const form = wireFormOf(call) ?? jsonForm;
    const requestId = randomUUID();
    const now = Date.now();
    // Only an operation we serve is named in logs and metrics: clients choose the others' names.
    let operation: "PutMetricData" | undefined;
    try {
      const request = form.read(call, plainBody(call));
      const knownVersion = request.version === undefined || request.version === CLOUDWATCH_API_VERSION;
      if (request.operation !== "PutMetricData" || !knownVersion) {
        throw new UnknownOperationException(
          form.name === "query" ? `Could not find operation ${request.operation ?? ""} for version ${request.version ?? ""}` : "",
        );
      }
      operation = request.operation;
      await this.authenticator?.authenticate(call, CLOUDWATCH_SIGNING_NAME, now);
      const input = request.input("PutMetricDataInput") as Partial<PutMetricDataInput>;
      const points = checkPutMetricData(input, now);
      this.series.record(input.Namespace!, points, now);
      return this.reply(form.success(operation, requestId), requestId, operation);
    } catch (thrown) {
      const error = errorFormOf(thrown, CLOUDWATCH_SHAPE_NAMESPACE);
      const context = { service: SERVICE, operation, form: form.name, error: error.code, status: error.error.statusCode };
      if (error.error.statusCode >= 500) this.log.error({ ...context, err: thrown }, "request failed");
      else this.log.info({ ...context, message: error.error.message }, "request refused");
      return { ...this.reply(form.error(error, requestId), requestId, operation), error: error.error };
    }
  }

  errorReply(call: Pick<ApiCall, "headers" | "url" | "method">, error: AwsError): ApiReply {
    const requestId = randomUUID();
    const form = wireFormOf(call) ?? jsonForm;
    return { ...this.reply(form.error(errorFormOf(error, CLOUDWATCH_SHAPE_NAMESPACE), requestId), requestId), error };
  }

  private reply(answer: WireAnswer, requestId: string, operation?: string): ApiReply {
    // The request id of the body (query XML) and of the header must be the same one.
    return { ...answer, headers: { ...answer.headers, "x-amzn-RequestId": requestId }, service: SERVICE, operation };
  }
}
