package dev.tenpak.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} block of the README compiles against this build: its import lines become the
 * class's imports and the rest the body of a method, so a renamed class or method fails here
 * instead of in a newcomer's editor.
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    static List<String> snippets() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        List<String> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyJavaSnippetOfTheReadmeCompiles() throws IOException {
        List<String> snippets = snippets();
        assertThat(snippets).as("the README has Java snippets").isNotEmpty();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        for (int i = 0; i < snippets.size(); i++) {
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : snippets.get(i).split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            String name = "Snippet" + i;
            Path src = dir.resolve(name + ".java");
            Files.writeString(
                    src, imports + "\nclass " + name + " {\n    void run() throws Exception {\n" + body + "    }\n}\n");
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int rc = javac.run(
                    null,
                    diagnostics,
                    diagnostics,
                    "-d",
                    dir.toString(),
                    "-proc:none",
                    "-cp",
                    System.getProperty("java.class.path") + File.pathSeparator + dir,
                    src.toString());
            assertThat(rc)
                    .as("README snippet %d does not compile:%n%s%n%s", i + 1, snippets.get(i), diagnostics)
                    .isZero();
        }
    }
}
