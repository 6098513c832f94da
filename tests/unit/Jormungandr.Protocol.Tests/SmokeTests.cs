namespace Jormungandr.Tests;

public class ProtocolSmokeTests
{
    [Fact]
    public void Core_assembly_loads() => Assert.Equal("Jormungandr.Core", typeof(Jormungandr.Commands.ExitCodes).Assembly.GetName().Name);
}
