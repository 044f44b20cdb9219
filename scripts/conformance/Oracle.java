/*
 * The conformance oracle's JVM side (dev/CI only, never used by the product): one JVM for a whole batch.
 * Reads jobs "<xslt path>\t<xml path>" from stdin, compiles each XSLT once, transforms every document and
 * writes one line per job: "<xml path>\t<fatal ids>\t<warning ids>\t<microseconds>" (ids comma-separated,
 * from SVRL failed-assert/@id and @flag; no flag = fatal), or "<xml path>\tERROR\t<message>" when the transform fails.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import javax.xml.transform.stream.StreamSource;
import net.sf.saxon.s9api.*;

public class Oracle {
  public static void main(String[] args) throws Exception {
    Processor proc = new Processor(false);
    XsltCompiler comp = proc.newXsltCompiler();
    XPathCompiler xp = proc.newXPathCompiler();
    xp.declareNamespace("svrl", "http://purl.oclc.org/dsdl/svrl");
    XPathExecutable sel = xp.compile("//svrl:failed-assert | //svrl:successful-report");
    DocumentBuilder builder = proc.newDocumentBuilder();
    Map<String, XsltExecutable> cache = new HashMap<>();
    // The documents the stylesheets load with document() (the Factur-X code databases, up to 270 KB): parsed once
    // for the batch, not once per transform.
    Map<String, XdmNode> loaded = new HashMap<>();
    javax.xml.transform.URIResolver resolver = (href, base) -> {
      try {
        String uri = new java.net.URI(base).resolve(href).toString();
        XdmNode doc = loaded.get(uri);
        if (doc == null) {
          doc = builder.build(new StreamSource(uri));
          loaded.put(uri, doc);
        }
        return doc.asSource();
      } catch (Exception e) {
        throw new javax.xml.transform.TransformerException(e);
      }
    };
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\t');
      String xslt = line.substring(0, tab), xml = line.substring(tab + 1);
      try {
        XsltExecutable exe = cache.get(xslt);
        if (exe == null) {
          exe = comp.compile(new StreamSource(new File(xslt)));
          cache.put(xslt, exe);
        }
        long t0 = System.nanoTime();
        XsltTransformer t = exe.load();
        t.setURIResolver(resolver);
        t.setSource(new StreamSource(new File(xml)));
        XdmDestination dest = new XdmDestination();
        t.setDestination(dest);
        t.transform();
        XPathSelector s = sel.load();
        s.setContextItem(dest.getXdmNode());
        LinkedHashSet<String> fatal = new LinkedHashSet<>(), warning = new LinkedHashSet<>();
        for (XdmItem it : s) {
          XdmNode n = (XdmNode) it;
          if (!n.getNodeName().getLocalName().equals("failed-assert")) continue;
          String id = n.getAttributeValue(new QName("id"));
          String flag = n.getAttributeValue(new QName("flag"));
          if (id == null) id = "?";
          // Schematron asserts without a flag are errors (the Factur-X artefacts set none).
          if ("warning".equals(flag) || "information".equals(flag)) warning.add(id.trim());
          else fatal.add(id.trim());
        }
        long us = (System.nanoTime() - t0) / 1000;
        out.println(xml + "\t" + String.join(",", fatal) + "\t" + String.join(",", warning) + "\t" + us);
      } catch (Exception e) {
        out.println(xml + "\tERROR\t" + String.valueOf(e.getMessage()).replace('\n', ' ').replace('\t', ' '));
      }
      out.flush();
    }
    out.close();
  }
}
