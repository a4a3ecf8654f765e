package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelFilesTest {
    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
        "a.json, **/*.json, true",
        "x/y/a.json, **/*.json, true",
        "a.json, *.json, true",
        "x/a.json, *.json, false",
        "x/a.json, x/*.json, true",
        "x/y/a.json, x/**/a.json, true",
        "x/a.json, x/**/a.json, true",
        "x/a.json, x/, true",
        "y/a.json, x/, false",
        "a.safetensors, **/*.json, false",
        "a.json.bak, **/*.json, false",
        "ab.json, a?.json, true",
        "abc.json, a?.json, false",
        "a.JSON, **/*.json, false",
        "a+b(1).json, a+b(1).json, true",
        "x\\a.json, x/*.json, false",
        "x/a.json, x\\*.json, true",
        "x/a.json, /x/*.json, true",
    })
    void matchesLikeAnt(String path, String pattern, boolean expected) {
        assertThat(ModelFiles.matches(path, pattern)).isEqualTo(expected);
    }

    @Test
    void scanAppliesIncludesThenExcludesAndSortsByPath(@TempDir Path dir) throws Exception {
        for (String f :
                List.of("b.json", "a.json", "sub/c.safetensors", "sub/config.json", "notes.txt", "sub/deep/d.json")) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
        }
        List<Path> found = ModelFiles.scan(dir, List.of("**/*.json", "**/*.safetensors"), List.of("**/config.json"));
        assertThat(found)
                .extracting(p -> ModelFiles.relative(dir, p))
                .containsExactly("a.json", "b.json", "sub/c.safetensors", "sub/deep/d.json");
    }
}
