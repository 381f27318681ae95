// A JSSE (Java's own TLS stack) peer for interop tests, one file, no dependencies.
//   java TlsPeer.java client --port P [--host 127.0.0.1] [--servername localhost] --ca ca.pem
//        [--cert chain.pem --key key.pem] [--protocols TLSv1.3,...] [--suites A,B] [--groups x25519,...]
//        [--alpn h2,http/1.1] [--send TEXT]
//   java TlsPeer.java server --port 0 --cert chain.pem --key key.pem [--ca ca.pem --client-auth none|want|need]
//        [--protocols ...] [--suites ...] [--groups ...] [--alpn ...] [--naccept N]
// The server prints `ACCEPT 127.0.0.1:<port>` once listening and answers each connection's first line with
// `hello from jsse`. Both print, per connection, `key: value` lines: protocol, cipher, alpn, verified,
// resumed, peer, and on failure `alert: <name>` (when a fatal alert was received) and `error: <message>`.
// Keys are PKCS#8 PEM (EC, RSA or Ed25519); certificates PEM.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.*;
import java.util.regex.*;
import javax.net.ssl.*;

public class TlsPeer {
    static Map<String, String> opts = new HashMap<>();

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("client|server expected");
        for (int i = 1; i + 1 < args.length; i += 2) opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        if (opts.containsKey("groups")) System.setProperty("jdk.tls.namedGroups", opts.get("groups"));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(), trustManagers(), null);
        if (args[0].equals("client")) client(ctx);
        else server(ctx);
    }

    static List<X509Certificate> certs(String file) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = new FileInputStream(file)) {
            for (java.security.cert.Certificate c : cf.generateCertificates(in)) out.add((X509Certificate) c);
        }
        return out;
    }

    static PrivateKey key(String file) throws Exception {
        String pem = Files.readString(Path.of(file));
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(b64);
        for (String alg : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (Exception e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("unsupported key in " + file);
    }

    static KeyManager[] keyManagers() throws Exception {
        if (!opts.containsKey("cert")) return null;
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        List<X509Certificate> chain = certs(opts.get("cert"));
        ks.setKeyEntry("leaf", key(opts.get("key")), new char[0], chain.toArray(new java.security.cert.Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    static TrustManager[] trustManagers() throws Exception {
        if (!opts.containsKey("ca")) return null;
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (X509Certificate c : certs(opts.get("ca"))) ts.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    static void configure(SSLSocket s, SSLParameters p) {
        if (opts.containsKey("protocols")) p.setProtocols(opts.get("protocols").split(","));
        if (opts.containsKey("suites")) p.setCipherSuites(opts.get("suites").split(","));
        if (opts.containsKey("alpn")) p.setApplicationProtocols(opts.get("alpn").split(","));
        s.setSSLParameters(p);
    }

    static void client(SSLContext ctx) throws Exception {
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(opts.get("port"));
        String name = opts.getOrDefault("servername", "localhost");
        Socket raw = new Socket(host, port);
        raw.setSoTimeout(10000);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, name, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 name check against `name`
        p.setServerNames(List.of(new SNIHostName(name)));
        configure(s, p);
        try {
            s.startHandshake();
            report(s.getSession(), s.getApplicationProtocol(), true);
            OutputStream out = s.getOutputStream();
            out.write(opts.getOrDefault("send", "ping\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) System.out.println("data: " + line);
            s.close();
        } catch (IOException e) {
            failure(e);
            System.exit(1);
        }
    }

    static void server(SSLContext ctx) throws Exception {
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(Integer.parseInt(opts.getOrDefault("port", "0")), 50, InetAddress.getByName("127.0.0.1"));
        System.out.println("ACCEPT 127.0.0.1:" + ss.getLocalPort());
        System.out.flush();
        int n = Integer.parseInt(opts.getOrDefault("naccept", "1000"));
        String auth = opts.getOrDefault("client-auth", "none");
        for (int i = 0; i < n; i++) {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.setSoTimeout(10000);
                SSLParameters p = s.getSSLParameters();
                if (auth.equals("want")) p.setWantClientAuth(true);
                if (auth.equals("need")) p.setNeedClientAuth(true);
                configure(s, p);
                s.startHandshake();
                SSLSession session = s.getSession();
                boolean verified;
                try {
                    session.getPeerCertificates();
                    verified = true;
                } catch (SSLPeerUnverifiedException e) {
                    verified = false;
                }
                report(session, s.getApplicationProtocol(), verified);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                System.out.println("data: " + line);
                s.getOutputStream().write("hello from jsse\n".getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            } catch (IOException e) {
                failure(e);
            }
            System.out.println("---");
            System.out.flush();
        }
    }

    static void report(SSLSession session, String alpn, boolean verified) {
        System.out.println("protocol: " + session.getProtocol());
        System.out.println("cipher: " + session.getCipherSuite());
        System.out.println("alpn: " + (alpn == null || alpn.isEmpty() ? "none" : alpn));
        System.out.println("verified: " + (verified ? "yes" : "no"));
        String peer;
        try {
            peer = ((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            peer = "none";
        }
        System.out.println("peer: " + peer);
        System.out.flush();
    }

    static void failure(Exception e) {
        String msg = String.valueOf(e.getMessage());
        Matcher m = Pattern.compile("Received fatal alert: (\\w+)").matcher(msg);
        if (m.find()) System.out.println("alert: " + m.group(1));
        System.out.println("error: " + msg.replace('\n', ' '));
        System.out.flush();
    }
}
