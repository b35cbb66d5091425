// DynamoDB Local, listening on 127.0.0.1 only (scripts/local-dynamodb.mjs runs
// this file with `java` in source-file mode, DynamoDBLocal.jar on the class path).
//
// DynamoDBLocal.jar's own main class listens on every interface (Jetty's
// `new Server(port)`) and has no option for the address, so anyone on the
// network could read and write the local tables, unauthenticated. This builds
// the same server from the same command-line options (-port, -dbPath,
// -inMemory, -sharedDb), sets its one connector's host before it starts, and
// starts it. It leaves out what the jar's main adds: telemetry to AWS.
//
// Only public DynamoDB Local and Jetty methods, and one private field (the
// Jetty server), through reflection: nothing to compile against.
import java.lang.reflect.Field;

public class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
    proxy.getClass().getMethod("start").invoke(proxy);
    System.out.println("DynamoDB Local listening on " + host);
  }
}
