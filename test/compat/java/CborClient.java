import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Talks AWS CBOR 1.1 to the server through Jackson's CBOR generator and parser, the library the
 * AWS SDKs for Java use: requests written as the SDK writes them (indefinite-length maps, byte
 * strings, tag 1 holding epoch milliseconds), answers read as the SDK reads them (a timestamp
 * must be an integer token under tag 1). Prints one line per check; exits non-zero on failure.
 */
public class CborClient {
  static final CBORFactory FACTORY = new CBORFactory();
  static String endpoint;

  interface Body { void write(CBORGenerator g) throws Exception; }

  static byte[] request(Body body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  static byte[] call(String operation, byte[] body, int expectedStatus) throws Exception {
    HttpURLConnection c = (HttpURLConnection) new URL(endpoint).openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/x-amz-cbor-1.1");
    c.setRequestProperty("X-Amz-Target", "Kinesis_20131202." + operation);
    c.getOutputStream().write(body);
    int status = c.getResponseCode();
    if (status != expectedStatus) throw new AssertionError(operation + ": status " + status);
    if (!"application/x-amz-cbor-1.1".equals(c.getContentType())) throw new AssertionError(operation + ": content type " + c.getContentType());
    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      return in.readAllBytes();
    }
  }

  /** The value of a top-level or nested text field, as the SDK's unmarshaller finds it. */
  static String text(byte[] answer, String field) throws Exception {
    try (CBORParser p = FACTORY.createParser(answer)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME && p.getCurrentName().equals(field)) {
          p.nextToken();
          return p.getText();
        }
      }
    }
    throw new AssertionError("no " + field);
  }

  public static void main(String[] args) throws Exception {
    endpoint = args[0];
    String stream = args[1];
    byte[] data = new byte[] {0, 1, 2, (byte) 0xff, 0x7f};

    call("CreateStream", request(g -> { g.writeStringField("StreamName", stream); g.writeNumberField("ShardCount", 1); }), 200);
    for (int i = 0; i < 50 && !text(call("DescribeStreamSummary", request(g -> g.writeStringField("StreamName", stream)), 200), "StreamStatus").equals("ACTIVE"); i++) {
      Thread.sleep(100);
    }
    System.out.println("created");

    byte[] put = call("PutRecord", request(g -> {
      g.writeStringField("StreamName", stream);
      g.writeStringField("PartitionKey", "jackson");
      g.writeBinaryField("Data", data);
    }), 200);
    String sequence = text(put, "SequenceNumber");
    System.out.println("put " + text(put, "ShardId"));

    long since = System.currentTimeMillis() - 60_000;
    byte[] iterator = call("GetShardIterator", request(g -> {
      g.writeStringField("StreamName", stream);
      g.writeStringField("ShardId", "shardId-000000000000");
      g.writeStringField("ShardIteratorType", "AT_TIMESTAMP");
      g.writeFieldName("Timestamp");
      g.writeTag(1);
      g.writeNumber(since);
    }), 200);
    String shardIterator = text(iterator, "ShardIterator");

    byte[] records = call("GetRecords", request(g -> g.writeStringField("ShardIterator", shardIterator)), 200);
    List<String> seen = new ArrayList<>();
    try (CBORParser p = FACTORY.createParser(records)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) continue;
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        if (name.equals("ApproximateArrivalTimestamp")) {
          // What the Java SDK needs: tag 1, then an integer it reads with getLongValue().
          if (p.getCurrentTag() != 1 || value != JsonToken.VALUE_NUMBER_INT) throw new AssertionError("timestamp is " + value + " tag " + p.getCurrentTag());
          long ms = p.getLongValue();
          if (Math.abs(ms - System.currentTimeMillis()) > 60_000) throw new AssertionError("timestamp " + ms);
          seen.add("timestamp");
        } else if (name.equals("Data")) {
          if (value != JsonToken.VALUE_EMBEDDED_OBJECT || !Arrays.equals(p.getBinaryValue(), data)) throw new AssertionError("data is " + value);
          seen.add("data");
        } else if (name.equals("SequenceNumber")) {
          if (!p.getText().equals(sequence)) throw new AssertionError("sequence " + p.getText());
          seen.add("sequence");
        } else if (name.equals("MillisBehindLatest")) {
          if (value != JsonToken.VALUE_NUMBER_INT) throw new AssertionError("MillisBehindLatest is " + value);
          seen.add("millisBehindLatest");
        }
      }
    }
    System.out.println("read " + String.join(",", seen));

    byte[] error = call("DescribeStream", request(g -> g.writeStringField("StreamName", "no-such-" + stream)), 400);
    System.out.println("error " + text(error, "__type") + ": " + text(error, "message"));
  }
}
