package io.tollgate.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code ./tollgate test} installs) driven by Selenium. Screenshots go to
 * {@code target/screenshots}; downloads to a directory of their own under {@code target/}.
 */
final class Browser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    final ChromeDriver driver;
    final Path downloads;
    private final String base;

    Browser(String base) {
        this.base = base;
        try {
            downloads = Files.createDirectories(Path.of("target", "browser-downloads")).toAbsolutePath();
            Files.createDirectories(SCREENSHOTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=en-US", "--no-first-run", "--disable-extensions");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(executable("chromedriver", "/usr/bin/chromedriver")).toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    private static String executable(String name, String fallback) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return fallback;
    }

    void open(String hash) {
        driver.get(base + "/console/" + hash);
    }

    /** Signs in through the console's own form, as a person would. */
    void signIn(String email, String password) {
        signOut();
        type(By.id("email"), email);
        type(By.id("password"), password);
        submit("login-form");
        waitFor(By.id("sign-out"));
    }

    /** Submits the form with this id by its submit button, as a click would. */
    void submit(String formId) {
        driver.findElement(By.cssSelector("#" + formId + " button[type=submit]")).click();
    }

    /** Signs out through the console's button when someone is signed in, leaving the sign-in form. */
    void signOut() {
        driver.get("about:blank");
        open("#/overview");
        WebElement form;
        try {
            form = new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> {
                List<WebElement> out = d.findElements(By.id("sign-out"));
                List<WebElement> login = d.findElements(By.id("login-form"));
                return !login.isEmpty() ? login.getFirst() : out.isEmpty() ? null : out.getFirst();
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            screenshot("sign-out-failed");
            throw new AssertionError("neither signed in nor the sign-in form: " + driver.findElement(By.tagName("body")).getText()
                    + "\n" + driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll(), e);
        }
        if (form.getAttribute("id").equals("sign-out")) {
            form.click();
        }
        waitFor(By.id("email"));
    }

    void type(By by, String text) {
        WebElement e = waitFor(by);
        e.clear();
        e.sendKeys(text);
    }

    WebElement waitFor(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    void waitForText(By by, String text) {
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    void size(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Saves the whole page (the window stretched to its height) as target/screenshots/{name}.png. */
    Path screenshot(String name) {
        Dimension window = driver.manage().window().getSize();
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        driver.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.min(4000, Math.max(window.getHeight(), height + 140))));
        try {
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(window);
        }
    }

    Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
