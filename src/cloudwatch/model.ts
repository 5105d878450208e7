import { ServiceModel, type ShapeDef } from "../http/protocols/service-model.js";
import { shapes, targetPrefix } from "./generated/model.js";

/** The PutMetricData part of the CloudWatch model (generated from the service's own). */
export const cloudWatchModel = new ServiceModel(shapes as unknown as Readonly<Record<string, ShapeDef>>, {
  javaPackage: "com.amazonaws.cloudwatch",
});

/** `GraniteServiceVersion20100801`: the X-Amz-Target prefix of JSON 1.0 and the service name of RPC v2 paths. */
export const CLOUDWATCH_TARGET_PREFIX = targetPrefix;
/** The query protocol's `Version` and its XML namespace. */
export const CLOUDWATCH_API_VERSION = "2010-08-01";
export const CLOUDWATCH_XML_NAMESPACE = "http://monitoring.amazonaws.com/doc/2010-08-01/";
/** The Smithy namespace of the error shapes, as JSON and CBOR bodies name them in `__type`. */
export const CLOUDWATCH_SHAPE_NAMESPACE = "com.amazonaws.cloudwatch";
/** The service in SigV4 credential scopes. */
export const CLOUDWATCH_SIGNING_NAME = "monitoring";
