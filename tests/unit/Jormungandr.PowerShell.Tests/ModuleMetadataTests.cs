using System.Reflection;
using System.Xml.Linq;
using Jormungandr.Commands;
using Jormungandr.HelpGen;

namespace Jormungandr.Tests;

/// <summary>
/// Verifies the module by metadata: verbs, output types, the manifest, parameter sets, docs pages and
/// format views, read from the built Jormungandr.dll without loading it (the Pester suite drives it in
/// a real engine).
/// </summary>
public class ModuleMetadataTests
{
    /// <summary>The approved verbs, as PowerShell 7's Get-Verb lists them.</summary>
    internal static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        // Common
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New",
        "Open", "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set",
        "Show", "Skip", "Split", "Step", "Switch", "Undo", "Unlock", "Watch",
        // Communications
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        // Data
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit",
        "Expand", "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore",
        "Save", "Sync", "Unpublish", "Update",
        // Diagnostic
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        // Lifecycle
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke",
        "Register", "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait",
        // Security
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
        // Other
        "Use",
    };

    private static readonly string[] ExpectedCmdlets =
    [
        "New-SnekCertificate", "Get-SnekCertificate", "Start-SnekServer", "Connect-SnekPeer", "Get-SnekSession",
        "Disconnect-SnekPeer", "Stop-SnekTunnel", "Invoke-LegacyEcho", "Start-LegacyEchoServer",
        "Install-SnekService", "Uninstall-SnekService", "Get-SnekService",
        "New-SnekClient", "Remove-SnekClient", "Get-SnekClient",
    ];

    private static Dictionary<string, object> Manifest =>
        ManifestParser.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "Jormungandr.psd1")));

    private static List<string> Strings(object value) => value switch
    {
        string s => [s],
        List<object> list => [.. list.Cast<string>()],
        _ => throw new InvalidOperationException($"not a string list: {value}"),
    };

    [Fact]
    public void The_module_defines_exactly_the_cmdlets_of_the_issue()
    {
        Assert.Equal(ExpectedCmdlets.Order(StringComparer.Ordinal), ModuleMetadata.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Hard_coded_verb_list_includes_every_verb_constant_of_System_Management_Automation()
    {
        string[] classes = ["VerbsCommon", "VerbsCommunications", "VerbsData", "VerbsDiagnostic", "VerbsLifecycle", "VerbsSecurity", "VerbsOther"];
        int count = 0;
        foreach (string name in classes)
        {
            Type type = ModuleMetadata.Automation.GetType("System.Management.Automation." + name, throwOnError: true)!;
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                string verb = (string)field.GetRawConstantValue()!;
                Assert.Contains(verb, ApprovedVerbs);
                count++;
            }
        }

        Assert.True(count > 90, $"only {count} verb constants read");
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_declares_output_types()
    {
        foreach (CmdletInfo cmdlet in ModuleMetadata.Cmdlets)
        {
            Assert.True(ApprovedVerbs.Contains(cmdlet.Verb), $"{cmdlet.Name}: '{cmdlet.Verb}' is not an approved verb");
            Assert.True(cmdlet.OutputTypes.Count > 0, $"{cmdlet.Name} has no [OutputType]");
            Assert.Equal(cmdlet.Verb + cmdlet.Noun + "Command", cmdlet.TypeName.Split('.')[^1]);
        }
    }

    [Theory]
    [InlineData("New-SnekCertificate")]
    [InlineData("Start-SnekServer")]
    [InlineData("Connect-SnekPeer")]
    [InlineData("Disconnect-SnekPeer")]
    [InlineData("Stop-SnekTunnel")]
    [InlineData("Start-LegacyEchoServer")]
    [InlineData("Install-SnekService")]
    [InlineData("Uninstall-SnekService")]
    [InlineData("New-SnekClient")]
    [InlineData("Remove-SnekClient")]
    public void State_changing_cmdlets_support_ShouldProcess_with_a_confirm_impact(string name)
    {
        CmdletInfo cmdlet = ModuleMetadata.Cmdlets.Single(c => c.Name == name);
        Assert.True(cmdlet.SupportsShouldProcess, $"{name} must support -WhatIf/-Confirm");
        Assert.NotNull(cmdlet.ConfirmImpact);
    }

    [Theory]
    [InlineData("Get-SnekCertificate")]
    [InlineData("Get-SnekSession")]
    [InlineData("Invoke-LegacyEcho")]
    public void Read_only_cmdlets_do_not_offer_WhatIf(string name)
    {
        Assert.False(ModuleMetadata.Cmdlets.Single(c => c.Name == name).SupportsShouldProcess);
    }

    [Fact]
    public void Manifest_parses_and_matches_the_assembly()
    {
        Dictionary<string, object> manifest = Manifest;
        Assert.Equal("Jormungandr.dll", manifest["RootModule"]);
        Version assembly = ModuleMetadata.Module.GetName().Version!;
        Version declared = Version.Parse((string)manifest["ModuleVersion"]);
        Assert.Equal(new Version(assembly.Major, assembly.Minor, assembly.Build), declared);
        Assert.True(Guid.TryParse((string)manifest["GUID"], out Guid guid) && guid != Guid.Empty);
        Assert.Equal(["Core"], Strings(manifest["CompatiblePSEditions"]));
        Assert.Equal("7.6", manifest["PowerShellVersion"]);
        Assert.Equal(["Jormungandr.Format.ps1xml"], Strings(manifest["FormatsToProcess"]));
        Assert.Empty(Strings(manifest["FunctionsToExport"]));
        Assert.Empty(Strings(manifest["AliasesToExport"]));
        Assert.Empty(Strings(manifest["VariablesToExport"]));
    }

    [Fact]
    public void CmdletsToExport_lists_every_cmdlet_explicitly()
    {
        List<string> exported = Strings(Manifest["CmdletsToExport"]);
        Assert.DoesNotContain(exported, e => e.Contains('*', StringComparison.Ordinal) || e.Contains('?', StringComparison.Ordinal));
        Assert.Equal(exported.Distinct().Count(), exported.Count);
        Assert.Equal(ModuleMetadata.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), exported.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Manifest_version_equals_Directory_Build_props_version()
    {
        XDocument props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        string version = props.Descendants("Version").Single().Value;
        Assert.Equal(version, Manifest["ModuleVersion"]);
    }

    [Fact]
    public void Parameter_sets_are_unambiguous()
    {
        foreach (CmdletInfo cmdlet in ModuleMetadata.Cmdlets)
        {
            IReadOnlyList<string> sets = cmdlet.ParameterSets;
            foreach (string set in sets)
            {
                List<int> positions = [.. cmdlet.In(set).Where(x => x.Set.Position is not null).Select(x => x.Set.Position!.Value)];
                Assert.True(positions.Count == positions.Distinct().Count(), $"{cmdlet.Name} set {set}: duplicate positions {string.Join(",", positions)}");
                Assert.True(cmdlet.In(set).Count(x => x.Set.ByValue) <= 1 || cmdlet.In(set).Where(x => x.Set.ByValue).Select(x => x.Parameter.TypeName).Distinct().Count() > 1,
                    $"{cmdlet.Name} set {set}: two pipeline-by-value parameters of one type");
            }

            if (sets.Count > 1)
            {
                Assert.True(cmdlet.DefaultParameterSetName is not null && sets.Contains(cmdlet.DefaultParameterSetName),
                    $"{cmdlet.Name} has {sets.Count} parameter sets but no valid DefaultParameterSetName");
                foreach (string a in sets)
                {
                    HashSet<string> own = [.. cmdlet.In(a).Select(x => x.Parameter.Name)];
                    foreach (string b in sets.Where(s => s != a))
                    {
                        HashSet<string> other = [.. cmdlet.In(b).Select(x => x.Parameter.Name)];
                        // A set is reachable only if some parameter selects it; the default set may be chosen by absence.
                        if (a != cmdlet.DefaultParameterSetName)
                        {
                            Assert.True(own.Except(other).Any(), $"{cmdlet.Name}: set {a} has no parameter that distinguishes it from {b}");
                        }

                        string Signature(string s) => string.Join(";", cmdlet.In(s).Where(x => x.Set.Mandatory).Select(x => $"{x.Parameter.Name}@{x.Set.Position}").Order(StringComparer.Ordinal));
                        Assert.NotEqual(Signature(a), Signature(b));
                    }
                }
            }
        }
    }

    // Generated at build from DefaultTableViews into the laid-out module.
    private static string BuiltFormatFile =>
        Path.Combine(RepoPaths.Root, "out", "Jormungandr", (string)Manifest["ModuleVersion"], "Jormungandr.Format.ps1xml");

    [Fact]
    public void Default_views_fit_120_columns_and_stream_rows()
    {
        Assert.NotEmpty(DefaultTableViews.All);
        foreach (TableView view in DefaultTableViews.All)
        {
            Assert.True(view.FixedWidth <= DefaultTableViews.TerminalWidth, $"{view.TypeName}: {view.FixedWidth} columns wide");
            // PowerShell holds rows back to size columns unless the first column has a width; only the last may be open.
            for (int i = 0; i < view.Columns.Count - 1; i++)
            {
                Assert.True(view.Columns[i].Width > 0, $"{view.TypeName}.{view.Columns[i].Property} has no width");
            }
        }
    }

    [Fact]
    public void Format_file_is_the_default_views()
    {
        XDocument format = XDocument.Load(BuiltFormatFile);
        List<XElement> views = [.. format.Descendants("View")];
        Assert.Equal(DefaultTableViews.All.Select(v => v.TypeName), views.Select(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value));
        foreach ((TableView view, XElement element) in DefaultTableViews.All.Zip(views))
        {
            List<XElement> headers = [.. element.Descendants("TableColumnHeader")];
            Assert.Equal(view.Columns.Select(c => c.Header), headers.Select(h => h.Element("Label")!.Value));
            Assert.Equal(view.Columns.Select(c => c.Width), headers.Select(h => (int?)h.Element("Width") ?? 0));
        }
    }

    [Fact]
    public void Every_output_type_has_a_table_view_in_the_format_file()
    {
        XDocument format = XDocument.Load(BuiltFormatFile);
        HashSet<string> viewed = [.. format.Descendants("View").Where(v => v.Element("TableControl") is not null).SelectMany(v => v.Descendants("TypeName")).Select(t => t.Value.Trim())];
        Type job = ModuleMetadata.Automation.GetType("System.Management.Automation.Job", throwOnError: true)!;
        foreach (CmdletInfo cmdlet in ModuleMetadata.Cmdlets)
        {
            foreach (string output in cmdlet.OutputTypes)
            {
                Type type = ModuleMetadata.FindType(output);
                if (job.IsAssignableFrom(type))
                {
                    continue; // Deliberately table-less: PowerShell's built-in Job view applies to SnekJob.
                }

                Assert.True(viewed.Contains(output), $"{cmdlet.Name} emits {output}, which has no table view");
            }
        }

        // And every view names a real output type (no stale views).
        HashSet<string> outputs = [.. ModuleMetadata.Cmdlets.SelectMany(c => c.OutputTypes)];
        Assert.All(viewed, v => Assert.Contains(v, outputs));
    }

    [Fact]
    public void Every_format_column_names_a_real_property_and_headers_match_columns()
    {
        XDocument format = XDocument.Load(BuiltFormatFile);
        foreach (XElement view in format.Descendants("View"))
        {
            string typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value.Trim();
            Type type = ModuleMetadata.FindType(typeName);
            XElement table = view.Element("TableControl")!;
            int headers = table.Element("TableHeaders")!.Elements("TableColumnHeader").Count();
            List<XElement> columns = [.. table.Descendants("TableColumnItem")];
            Assert.True(headers == columns.Count, $"{typeName}: {headers} headers but {columns.Count} columns");
            foreach (XElement column in columns)
            {
                string? property = column.Element("PropertyName")?.Value.Trim();
                if (property is not null)
                {
                    Assert.True(type.GetProperty(property) is not null, $"{typeName} has no property {property}");
                }
                else
                {
                    // Script columns must still read real properties ($_.Name).
                    string script = column.Element("ScriptBlock")!.Value;
                    foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(script, @"\$_\.(\w+)"))
                    {
                        Assert.True(type.GetProperty(m.Groups[1].Value) is not null, $"{typeName} has no property {m.Groups[1].Value}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Every_exported_cmdlet_has_a_docs_page_whose_parameters_match_the_code()
    {
        string docs = Path.Combine(RepoPaths.Root, "docs", "cmdlets");
        foreach (CmdletInfo cmdlet in ModuleMetadata.Cmdlets)
        {
            string file = Path.Combine(docs, cmdlet.Name + ".md");
            Assert.True(File.Exists(file), $"no docs page {file}");
            CmdletPage page = CmdletPageParser.Parse(File.ReadAllText(file), Path.GetFileName(file));
            Assert.Equal(cmdlet.Name, page.Name);

            HashSet<string> expected = [.. cmdlet.Parameters.Select(p => p.Name)];
            if (cmdlet.SupportsShouldProcess)
            {
                expected.Add("WhatIf");
                expected.Add("Confirm");
            }

            Assert.Equal(expected.Order(StringComparer.Ordinal), page.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.True(page.CommonParameters, $"{cmdlet.Name}: CommonParameters section missing");

            // The syntax sections name exactly the code's parameter sets, with the right default.
            Assert.Equal(cmdlet.ParameterSets, page.Syntax.Select(s => s.Name).Order(StringComparer.Ordinal));
            if (cmdlet.ParameterSets.Count > 1)
            {
                Assert.Equal(cmdlet.DefaultParameterSetName, page.Syntax.Single(s => s.IsDefault).Name);
            }

            foreach (ParameterInfoRecord parameter in cmdlet.Parameters)
            {
                HelpParameter doc = page.Parameters.Single(p => p.Name == parameter.Name);
                string where = $"{cmdlet.Name} -{parameter.Name}";
                Assert.True(parameter.TypeName == doc.Type, $"{where}: code type {parameter.TypeName}, docs {doc.Type}");
                Assert.True(parameter.Aliases.Order(StringComparer.Ordinal).SequenceEqual(doc.Aliases.Order(StringComparer.Ordinal)),
                    $"{where}: aliases {string.Join(",", parameter.Aliases)} vs docs {string.Join(",", doc.Aliases)}");
                foreach (ParameterSetRecord set in parameter.Sets)
                {
                    string setName = set.SetName == ModuleMetadata.AllSets ? "(All)" : set.SetName;
                    ParameterMetadata? meta = doc.Metadata.FirstOrDefault(m => setName == "(All)" ? m.ParameterSets.Contains("(All)") : m.AppliesTo(setName));
                    Assert.True(meta is not null, $"{where}: docs have no yaml block for set {setName}");
                    Assert.True(set.Mandatory == meta!.Required, $"{where} [{setName}]: Mandatory {set.Mandatory}, docs Required {meta.Required}");
                    string position = set.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "Named";
                    Assert.True(position == meta.Position, $"{where} [{setName}]: Position {position}, docs {meta.Position}");
                    Assert.True(set.ByValue == meta.ByValue && set.ByPropertyName == meta.ByPropertyName,
                        $"{where} [{setName}]: pipeline (value {set.ByValue}, property {set.ByPropertyName}) vs docs '{meta.PipelineInput}'");
                }
            }
        }
    }

    [Fact]
    public void Docs_folder_has_no_page_for_a_cmdlet_that_does_not_exist()
    {
        string docs = Path.Combine(RepoPaths.Root, "docs", "cmdlets");
        HashSet<string> names = [.. ModuleMetadata.Cmdlets.Select(c => c.Name)];
        foreach (string file in Directory.GetFiles(docs, "*.md").Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.Ordinal)))
        {
            Assert.Contains(Path.GetFileNameWithoutExtension(file), names);
        }

        Assert.True(File.Exists(Path.Combine(docs, "about_Jormungandr.md")));
    }

    [Fact]
    public void Paths_bind_from_Get_ChildItem_and_sessions_bind_to_Disconnect()
    {
        ParameterInfoRecord path = ModuleMetadata.Cmdlets.Single(c => c.Name == "Get-SnekCertificate").Parameters.Single(p => p.Name == "Path");
        Assert.Contains("FullName", path.Aliases);
        Assert.Contains("PSPath", path.Aliases);
        Assert.True(path.Sets[0].ByPropertyName);

        CmdletInfo disconnect = ModuleMetadata.Cmdlets.Single(c => c.Name == "Disconnect-SnekPeer");
        ParameterInfoRecord fingerprint = disconnect.Parameters.Single(p => p.Name == "Fingerprint");
        Assert.Contains("PeerFingerprint", fingerprint.Aliases);
        Assert.True(fingerprint.Sets[0].ByPropertyName);
        Assert.True(disconnect.Parameters.Single(p => p.Name == "InterfaceName").Sets[0].ByPropertyName);

        // The property names exist on SnekSession, so Get-SnekSession | Disconnect-SnekPeer binds.
        Type session = ModuleMetadata.FindType("Jormungandr.Tunnel.SnekSession");
        Assert.NotNull(session.GetProperty("PeerFingerprint"));
        Assert.NotNull(session.GetProperty("InterfaceName"));

        Assert.True(ModuleMetadata.Cmdlets.Single(c => c.Name == "Invoke-LegacyEcho").Parameters.Single(p => p.Name == "Message").Sets[0].ByValue);
    }

    [Fact]
    public void Passphrases_are_SecureStrings()
    {
        foreach (ParameterInfoRecord p in ModuleMetadata.Cmdlets.SelectMany(c => c.Parameters).Where(p => p.Name.Contains("Passphrase", StringComparison.Ordinal)))
        {
            Assert.Equal("SecureString", p.TypeName);
        }
    }

    [Fact]
    public void Built_module_layout_is_importable_without_System_Management_Automation()
    {
        string version = (string)Manifest["ModuleVersion"];
        string dir = Path.Combine(RepoPaths.Root, "out", "Jormungandr", version);
        Assert.True(Directory.Exists(dir), $"{dir} missing: the PowerShell project's build lays it out");
        foreach (string file in (string[])["Jormungandr.psd1", "Jormungandr.dll", "Jormungandr.Core.dll", "BouncyCastle.Cryptography.dll", "Jormungandr.Format.ps1xml",
                     Path.Combine("en-US", "Jormungandr.dll-Help.xml"), Path.Combine("en-US", "about_Jormungandr.help.txt")])
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing from {dir}");
        }

        Assert.False(File.Exists(Path.Combine(dir, "System.Management.Automation.dll")));
        // Every assembly the module references (besides the framework and PowerShell) ships in the folder.
        foreach (AssemblyName reference in ModuleMetadata.Module.GetReferencedAssemblies())
        {
            if (reference.Name is "System.Management.Automation" || reference.Name!.StartsWith("System", StringComparison.Ordinal) || reference.Name is "netstandard" or "mscorlib")
            {
                continue;
            }

            Assert.True(File.Exists(Path.Combine(dir, reference.Name + ".dll")), $"{reference.Name}.dll missing from the module folder");
        }
    }
}
