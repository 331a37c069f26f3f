# In-guest checks of a Windows instance that AWS Backup restore testing has just restored.
# Sent by the restore validation function through SSM Run Command (AWS-RunPowerShellScript),
# which puts `$RequiredServices = @(...)` on the line before this script. Runs on Windows
# PowerShell 5.1 (Windows Server 2016 and later). It only reads; it judges nothing: it prints
# one line of JSON and the function decides.
$ErrorActionPreference = 'Stop'

$boot = (Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime

# VSS writers. vssadmin prints its labels in the system's language, so a writer's block is
# recognised by its two GUIDs (writer ID and instance ID) and its state by the number in
# brackets: [1] is VSS_WS_STABLE (vss.h). "Last error" is text in that language too.
# (Windows PowerShell turns a native command's stderr into errors, which 'Stop' would throw.)
$ErrorActionPreference = 'Continue'
$vssOutput = @(& vssadmin.exe list writers 2>&1 | ForEach-Object { "$_" })
$vssExitCode = $LASTEXITCODE
$ErrorActionPreference = 'Stop'
$writers = @()
if ($vssExitCode -eq 0) {
    $block = @()
    foreach ($line in ($vssOutput + @(''))) {
        if ($line.Trim() -ne '') {
            $block += $line
            continue
        }
        $guidLines = @($block | Where-Object { $_ -match '\{[0-9a-fA-F-]{36}\}' })
        if ($block.Count -ge 5 -and $guidLines.Count -ge 2) {
            $name = $block[0].Trim()
            if ($block[0] -match "'([^']*)'") { $name = $Matches[1] }
            $state = -1
            if ($block[3] -match '\[(\d+)\]') { $state = [int]$Matches[1] }
            $lastError = ($block[4] -split ':', 2)[-1].Trim()
            $writers += [pscustomobject]@{ name = $name; state = $state; lastError = $lastError }
        }
        $block = @()
    }
}
$english = @($vssOutput | Where-Object { $_ -match '^\s*Writer name:' }).Count -gt 0

# Services the stack names (none by default).
$services = @(foreach ($serviceName in $RequiredServices) {
    $service = Get-Service -Name $serviceName -ErrorAction SilentlyContinue
    if ($null -eq $service) {
        [pscustomobject]@{ name = $serviceName; status = 'Missing' }
    } else {
        [pscustomobject]@{ name = $serviceName; status = [string]$service.Status }
    }
})

# Critical (level 1) events of the System log since boot. Get-WinEvent reports "no events"
# as an error, which here means a clean log.
$critical = @()
$eventsError = $null
try {
    $critical = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; Level = 1; StartTime = $boot } -ErrorAction Stop)
} catch {
    if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $eventsError = [string]$_ }
}
$sample = @($critical | Select-Object -First 20 | ForEach-Object {
    [pscustomobject]@{ id = $_.Id; provider = $_.ProviderName; time = $_.TimeCreated.ToUniversalTime().ToString('o') }
})

[pscustomobject]@{
    bootTime = $boot.ToUniversalTime().ToString('o')
    vssExitCode = $vssExitCode
    vssOutputTail = @($vssOutput | Select-Object -Last 3)
    vssEnglish = $english
    vssWriters = $writers
    services = $services
    criticalEventCount = $critical.Count
    criticalEvents = $sample
    eventsError = $eventsError
} | ConvertTo-Json -Compress -Depth 4
