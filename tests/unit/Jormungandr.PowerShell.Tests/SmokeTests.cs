namespace Jormungandr.Tests;

public class PowerShellSmokeTests
{
    [Fact]
    public void Core_assembly_loads() => Assert.Equal("Jormungandr.Core", typeof(Jormungandr.Commands.ExitCodes).Assembly.GetName().Name);
}
