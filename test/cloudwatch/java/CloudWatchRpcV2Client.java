import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;

/**
 * PutMetricData in Smithy RPC v2 CBOR written and read through Jackson's CBOR generator and
 * parser, as the AWS SDK for Java 2.x does from 2.40.6 (KCL 3.4+): indefinite-length maps and
 * arrays, doubles as float64, a Timestamp as tag 1 over epoch seconds (a double). Prints one
 * line per answer; exits non-zero on a failed expectation.
 */
public class CloudWatchRpcV2Client {
  static final CBORFactory FACTORY = new CBORFactory();

  interface Body { void write(CBORGenerator g) throws Exception; }

  static void datum(CBORGenerator g, String name, String shard, double count, double sum, Double timestampSeconds) throws Exception {
    g.writeStartObject();
    g.writeStringField("MetricName", name);
    g.writeFieldName("Dimensions");
    g.writeStartArray();
    for (String[] d : new String[][] {{"Operation", "ProcessTask"}, {"ShardId", shard}}) {
      g.writeStartObject();
      g.writeStringField("Name", d[0]);
      g.writeStringField("Value", d[1]);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeFieldName("StatisticValues");
    g.writeStartObject();
    g.writeNumberField("SampleCount", count);
    g.writeNumberField("Sum", sum);
    g.writeNumberField("Minimum", sum / count);
    g.writeNumberField("Maximum", sum / count);
    g.writeEndObject();
    g.writeStringField("Unit", "Milliseconds");
    if (timestampSeconds != null) {
      g.writeFieldName("Timestamp");
      g.writeTag(1);
      g.writeNumber(timestampSeconds);
    }
    g.writeEndObject();
  }

  static String call(String endpoint, Body body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    }
    HttpURLConnection c = (HttpURLConnection) new URL(endpoint + "/service/GraniteServiceVersion20100801/operation/PutMetricData").openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("smithy-protocol", "rpc-v2-cbor");
    c.setRequestProperty("Content-Type", "application/cbor");
    c.setRequestProperty("Accept", "application/cbor");
    c.getOutputStream().write(out.toByteArray());
    int status = c.getResponseCode();
    StringBuilder answer = new StringBuilder(status + " " + c.getHeaderField("smithy-protocol"));
    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream(); CBORParser p = FACTORY.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalStateException("answer is not a CBOR map");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        p.nextToken();
        answer.append(" ").append(field).append("=").append(p.getText());
      }
    }
    return answer.toString();
  }

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String namespace = args[1];
    double now = System.currentTimeMillis() / 1000.0;
    System.out.println(call(endpoint, g -> {
      g.writeStringField("Namespace", namespace);
      g.writeFieldName("MetricData");
      g.writeStartArray();
      datum(g, "Time", "shardId-000000000000", 4.0, 10.0, null);
      datum(g, "Time", "shardId-000000000001", 1.0, 0.5, now);
      g.writeEndArray();
    }));
    System.out.println(call(endpoint, g -> {
      g.writeStringField("Namespace", namespace);
      g.writeFieldName("MetricData");
      g.writeStartArray();
      datum(g, "Time", "shardId-000000000000", 1.0, 1.0, now + 3 * 3600);
      g.writeEndArray();
    }));
  }
}
