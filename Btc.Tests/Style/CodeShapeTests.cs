using System.Text;

namespace Btc.Tests.Style;

/// <summary>
/// The house's shape limits, checked over every tracked C# file but the generated migrations: lines of at most
/// 120 characters, and methods, constructors, local functions, property accessor blocks and lambda bodies of at most
/// 60 lines, counted from the signature line to the closing brace.
/// </summary>
public sealed class CodeShapeTests
{
    private const int MaxLineLength = 120;
    private const int MaxMemberLines = 60;

    [Fact]
    public void No_line_is_longer_than_120_characters()
    {
        var root = SourceFiles.RepositoryRoot();
        var offenders =
            from path in SourceFiles.CSharpFiles(root)
            from line in File.ReadAllLines(Path.Combine(root, path)).Select((text, index) => (text, index))
            let length = line.text.EnumerateRunes().Count()
            where length > MaxLineLength
            select $"{path}:{line.index + 1} {length}";

        ShouldBeNone(offenders, $"Lines are at most {MaxLineLength} characters; these are longer (path:line length):");
    }

    [Fact]
    public void No_member_is_longer_than_60_lines()
    {
        var root = SourceFiles.RepositoryRoot();
        var offenders =
            from path in SourceFiles.CSharpFiles(root)
            from member in MemberScanner.Members(File.ReadAllText(Path.Combine(root, path)))
            where member.Length > MaxMemberLines
            select $"{path}:{member.FirstLine} {member.Length} ({member.Name})";

        ShouldBeNone(
            offenders,
            $"Methods, constructors, local functions, accessor blocks and lambda bodies are at most {MaxMemberLines} "
            + "lines; these are longer (path:line length):");
    }

    [Fact]
    public void Scanner_catches_a_61_line_method()
    {
        var members = MemberScanner.Members(ClassWithMethod(bodyLines: 58));

        members.Should().ContainSingle(m => m.Name == "Run").Which.Length.Should().Be(61);
    }

    [Fact]
    public void Scanner_passes_a_60_line_method()
    {
        var members = MemberScanner.Members(ClassWithMethod(bodyLines: 57));

        members.Should().ContainSingle(m => m.Name == "Run").Which.Length.Should().Be(60);
    }

    [Fact]
    public void Scanner_ignores_braces_in_literals_and_comments()
    {
        var source = ClassWithMethod(
            "var raw = \"\"\"",
            "    } } { {{",
            "    \"\"\";",
            "var text = \"}\" + @\"}\"\"}\" + $\"{(raw.Length > 1 ? \"}\" : \"{\")}}}\";",
            "var brace = '}';",
            "// }",
            "/* } */");

        var members = MemberScanner.Members(source);

        members.Should().ContainSingle(m => m.Name == "Run").Which.Should().Be(new MemberSpan("Run", 3, 12));
    }

    [Fact]
    public void Scanner_finds_constructors_local_functions_accessors_and_lambda_bodies()
    {
        var source = string.Join('\n',
            "class Sample",
            "{",
            "    public Sample(int a) : base()",
            "    {",
            "    }",
            "    public int Value",
            "    {",
            "        get",
            "        {",
            "            return 1;",
            "        }",
            "    }",
            "    void Run()",
            "    {",
            "        if (Value > 0)",
            "        {",
            "            var list = new List<int> { 1 };",
            "        }",
            "        int Twice(int x) =>",
            "            x * 2;",
            "        Action act = () =>",
            "        {",
            "        };",
            "    }",
            "}");

        var members = MemberScanner.Members(source).Select(m => (m.Name, m.FirstLine, m.Length));

        members.Should().BeEquivalentTo(
            [("Sample", 3, 3), ("get", 8, 4), ("Value", 6, 7), ("Twice", 19, 2), ("lambda", 21, 3), ("Run", 13, 12)]);
    }

    /// <summary>Fails with every offender listed, one a line (a collection assertion would show only a few).</summary>
    private static void ShouldBeNone(IEnumerable<string> offenders, string rule)
    {
        var list = offenders.ToList();
        if (list.Count > 0)
            Assert.Fail($"{rule}\n{string.Join('\n', list)}\n({list.Count} in all)");
    }

    /// <summary>A class whose method Run has the given statements, or as many one-line statements.</summary>
    private static string ClassWithMethod(int bodyLines) =>
        ClassWithMethod([.. Enumerable.Range(0, bodyLines).Select(i => $"var x{i} = {i};")]);

    private static string ClassWithMethod(params string[] body)
    {
        var source = new StringBuilder("class Sample\n{\n    void Run()\n    {\n");
        foreach (var line in body)
            source.Append("        ").Append(line).Append('\n');
        return source.Append("    }\n}\n").ToString();
    }
}
