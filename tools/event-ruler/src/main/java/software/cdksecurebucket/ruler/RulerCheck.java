package software.cdksecurebucket.ruler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.util.List;
import software.amazon.event.ruler.Machine;

/**
 * Reads a JSON array of cases and matches each event against its pattern with
 * AWS Event Ruler (the library EventBridge's matching is built on).
 *
 * <p>Input: {@code [{"name": "...", "pattern": {...}, "event": {...}, "expected": true}]}.
 * Output (stdout): {@code [{"name": "...", "expected": true, "matched": true, "ok": true}]},
 * or {@code "error"} in place of {@code matched} when the pattern or event is rejected.
 * Exit code 0 when every case is as expected, 1 otherwise, 2 on bad usage.
 */
public final class RulerCheck {
  private RulerCheck() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: java -jar event-ruler-check.jar cases.json");
      System.exit(2);
    }
    ObjectMapper mapper = new ObjectMapper();
    JsonNode cases = mapper.readTree(new File(args[0]));
    if (!cases.isArray()) {
      System.err.println("cases.json must hold a JSON array");
      System.exit(2);
    }
    ArrayNode results = mapper.createArrayNode();
    boolean allOk = true;
    for (JsonNode c : cases) {
      ObjectNode r = results.addObject();
      String name = c.path("name").asText();
      boolean expected = c.path("expected").asBoolean();
      r.put("name", name);
      r.put("expected", expected);
      try {
        Machine machine = new Machine();
        machine.addRule(name, mapper.writeValueAsString(c.get("pattern")));
        List<String> matched = machine.rulesForJSONEvent(mapper.writeValueAsString(c.get("event")));
        boolean isMatch = matched.contains(name);
        r.put("matched", isMatch);
        r.put("ok", isMatch == expected);
        allOk &= isMatch == expected;
      } catch (Exception e) {
        r.put("error", e.toString());
        r.put("ok", false);
        allOk = false;
      }
    }
    System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(results));
    System.exit(allOk ? 0 : 1);
  }
}
